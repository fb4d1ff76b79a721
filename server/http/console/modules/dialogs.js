// Modal dialogs: a confirmation for every action that changes traffic, and the forms to
// create an experiment and set the share.
import { $ } from './dom.js';

function open(dlg) {
  return new Promise((resolve) => {
    dlg.addEventListener('close', () => resolve(dlg.returnValue), { once: true });
    dlg.returnValue = '';
    dlg.showModal();
  });
}

export async function confirmDialog({ title, text, ok = 'Confirm', kind = 'danger' }) {
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  const okBtn = $('confirm-ok');
  okBtn.textContent = ok;
  okBtn.className = `btn ${kind}`;
  return (await open($('confirm'))) === 'ok';
}

/** Opens a form dialog; resolves with its values, or null when cancelled. */
export async function formDialog(id, initial = {}) {
  const dlg = $(id);
  const form = dlg.querySelector('form');
  form.reset();
  for (const [k, v] of Object.entries(initial)) if (form.elements[k]) form.elements[k].value = v;
  $(`${id}-error`).textContent = '';
  const result = await open(dlg);
  return result === 'ok' ? Object.fromEntries(new FormData(form)) : null;
}

export function dialogError(id, message) {
  $(`${id}-error`).textContent = message;
}
