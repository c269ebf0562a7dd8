// A tiny path router: patterns like 'users/:u/contactFolders/:f/contacts' matched segment by
// segment against the path after /v1.0 (OData key syntax `folders('x')` is normalized to `/x`).
export type Params = Record<string, string>;

interface Route<H> { method: string; segs: string[]; handler: H; template: string }

export interface Router<H> {
  add(method: string, pattern: string, handler: H): void;
  match(method: string, path: string): { handler: H; params: Params; template: string } | { allowed: boolean } ;
}

export function splitPath(path: string): string[] {
  const normal = path.replace(/\('([^']*)'\)/g, (_m, k: string) => '/' + encodeURIComponent(k)).replace(/\(([^)'/]+)\)/g, '/$1');
  return normal.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
}

export function createRouter<H>(): Router<H> {
  // routes bucketed by segment count: a request only tries patterns of its own length
  const byLength = new Map<number, Route<H>[]>();
  return {
    add(method, pattern, handler) {
      const segs = pattern.split('/').filter(Boolean);
      let bucket = byLength.get(segs.length);
      if (!bucket) byLength.set(segs.length, (bucket = []));
      bucket.push({ method, segs, handler, template: pattern });
    },
    match(method, path) {
      const segs = splitPath(path);
      let pathMatched = false;
      // literal segments win over parameters ('contacts/delta' before 'contacts/:id')
      let best: { r: Route<H>; params: Params; score: number } | undefined;
      for (const r of byLength.get(segs.length) ?? []) {
        const params: Params = {};
        let score = 0;
        let ok = true;
        for (let i = 0; i < segs.length; i++) {
          const p = r.segs[i]!;
          const s = segs[i]!;
          if (p.startsWith(':')) params[p.slice(1)] = s;
          else if (p.toLowerCase() === s.toLowerCase()) score++;
          else { ok = false; break; }
        }
        if (!ok) continue;
        pathMatched = true;
        if (r.method !== method) continue;
        if (!best || score > best.score) best = { r, params, score };
      }
      if (best) return { handler: best.r.handler, params: best.params, template: best.r.template };
      return { allowed: !pathMatched };
    },
  };
}
