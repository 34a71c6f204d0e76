export function devContentSecurityPolicy(html: string): string
export function devCspPlugin(): { name: string; apply: 'serve'; transformIndexHtml(html: string): string }
