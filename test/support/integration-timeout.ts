// Integration tests start real services and processes; on a loaded 2-core machine that can take
// longer than jest's 5 s default. (`testTimeout` is a global option that jest ignores inside a
// project, so the integration project sets it here; a file may still set its own.)
jest.setTimeout(120_000);
