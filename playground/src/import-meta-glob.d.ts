// Vite's import.meta.glob, as the playground uses it (the page's tsconfig
// loads no Vite types: browser code only).
interface ImportMeta {
  glob<T>(pattern: string | string[], options: { query: string; import: string; eager: true }): Record<string, T>;
}
