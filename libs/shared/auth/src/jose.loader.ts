// jose is ESM-only. Loading it on first use keeps `import '@vgp/auth'` (and '@vgp/platform')
// free of it, so code that never touches tokens also loads where require(esm) is unavailable.
let jose: Promise<typeof import('jose')> | undefined;

export const loadJose = (): Promise<typeof import('jose')> => (jose ??= import('jose'));
