// The JSON API as the console calls it: bearer key, JSON bodies, errors as ApiError with the
// server's code, message and field.

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

export function createApi(getKey) {
  async function api(path, { method = 'GET', body } = {}) {
    const headers = { Accept: 'application/json', Authorization: `Bearer ${getKey()}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
    const text = await res.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { /* non-JSON body: reported below */ }
    if (!res.ok) {
      const err = json && json.error;
      throw new ApiError(res.status, err?.code ?? `HTTP_${res.status}`, err?.message ?? (text.slice(0, 200) || res.statusText), err?.field);
    }
    return json;
  }

  const exp = (key) => `/api/experiments/${encodeURIComponent(key)}`;
  return {
    raw: api,
    me: () => api('/api/me'),
    experiments: () => api('/api/experiments'),
    createExperiment: (body) => api('/api/experiments', { method: 'POST', body }),
    setShare: (key, specsShare, reason) => api(`${exp(key)}/share`, { method: 'PUT', body: { specsShare, ...(reason ? { reason } : {}) } }),
    rollout: (key) => api(`${exp(key)}/rollout`),
    assessment: (key) => api(`${exp(key)}/rollout/assessment`),
    putPlan: (key, plan) => api(`${exp(key)}/rollout/plan`, { method: 'PUT', body: plan }),
    preview: (key, body) => api(`${exp(key)}/rollout/preview`, { method: 'POST', body }),
    action: (key, action, body = {}) => api(`${exp(key)}/rollout/${action}`, { method: 'POST', body }),
    results: (key, query) => api(`${exp(key)}/results?${new URLSearchParams(query)}`),
    audit: (key) => api(`${exp(key)}/audit?limit=100`),
  };
}
