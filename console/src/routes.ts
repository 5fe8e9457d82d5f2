// Client-side routes: the path names the view and the folder or file, one URL-encoded segment per path segment.

export type Route =
  | { view: 'files'; folder: string }
  | { view: 'trash'; folder: string }
  | { view: 'file'; path: string }
  | { view: 'rewind'; folder: string }
  | { view: 'usage' };

function encodePath(p: string): string {
  return p.split('/').filter((s) => s !== '').map(encodeURIComponent).join('/');
}

function decodePath(p: string): string {
  return p.split('/').filter((s) => s !== '').map((s) => {
    try { return decodeURIComponent(s); } catch { return s; }
  }).join('/');
}

export function href(r: Route): string {
  switch (r.view) {
    case 'files': return `/files/${encodePath(r.folder)}`;
    case 'trash': return `/trash/${encodePath(r.folder)}`;
    case 'file': return `/file/${encodePath(r.path)}`;
    case 'rewind': return `/rewind/${encodePath(r.folder)}`;
    case 'usage': return '/usage';
  }
}

export function parseRoute(pathname: string): Route {
  const m = /^\/(files|trash|file|rewind|usage)(?:\/(.*))?$/.exec(pathname);
  if (!m) return { view: 'files', folder: '' };
  const rest = decodePath(m[2] ?? '');
  switch (m[1]) {
    case 'trash': return { view: 'trash', folder: rest };
    case 'file': return rest ? { view: 'file', path: rest } : { view: 'files', folder: '' };
    case 'rewind': return { view: 'rewind', folder: rest };
    case 'usage': return { view: 'usage' };
    default: return { view: 'files', folder: rest };
  }
}
