import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ChunkvaultApi, HttpTransport } from './api/client';
import {
  beginSignIn, completeSignIn, currentSession, forgetSession, isCallback, loadConfig, logoutUrl, type ConsoleConfig, type Session,
} from './auth/session';
import { transferHooks, uploads } from './hooks';
import { UploadManager } from './uploads';
import { UploadPanel } from './views/UploadPanel';
import { parentOf } from './format';
import { href, parseRoute, type Route } from './routes';
import { errorText, Link } from './views/common';
import { FileView } from './views/FileView';
import { FolderView } from './views/FolderView';
import { RewindView } from './views/RewindView';
import { UsageView } from './views/UsageView';

const HAD_SESSION = 'chunkvault.hadSession';

type Phase = { kind: 'loading' } | { kind: 'signedOut'; message?: string } | { kind: 'signedIn'; session: Session }
  | { kind: 'failed'; message: string };

function here(): string {
  return location.pathname + location.search;
}

export function App() {
  const [config, setConfig] = useState<ConsoleConfig | null>(null);
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });
  const [route, setRoute] = useState<Route>(() => parseRoute(location.pathname));
  const leaving = useRef(false);
  // Files an upload left unfinished when the session ended (read once, after signing in again).
  const [pending] = useState(() => UploadManager.takePending());

  const signIn = useCallback(async (c: ConsoleConfig, returnTo: string) => {
    if (leaving.current) return;
    leaving.current = true;
    location.assign(await beginSignIn(c, returnTo));
  }, []);

  useEffect(() => {
    (async () => {
      let c: ConsoleConfig;
      try {
        c = await loadConfig();
      } catch (e) {
        setPhase({ kind: 'failed', message: errorText(e) });
        return;
      }
      setConfig(c);
      const url = new URL(location.href);
      if (isCallback(url)) {
        try {
          const back = await completeSignIn(c, url);
          history.replaceState(null, '', back === '/' ? href({ view: 'files', folder: '' }) : back);
          setRoute(parseRoute(location.pathname));
        } catch (e) {
          history.replaceState(null, '', '/');
          setPhase({ kind: 'signedOut', message: errorText(e) });
          return;
        }
      }
      const s = currentSession();
      if (s) {
        sessionStorage.setItem(HAD_SESSION, '1');
        if (location.pathname === '/') history.replaceState(null, '', href({ view: 'files', folder: '' }));
        setPhase({ kind: 'signedIn', session: s });
      } else if (sessionStorage.getItem(HAD_SESSION)) {
        // The session of this tab has ended: sign in again and come back here.
        forgetSession();
        await signIn(c, here());
      } else {
        setPhase({ kind: 'signedOut' });
      }
    })();
  }, [signIn]);

  useEffect(() => {
    const onPop = () => setRoute(parseRoute(location.pathname));
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);

  const navigate = useCallback((r: Route) => {
    const to = href(r);
    if (to !== location.pathname) history.pushState(null, '', to);
    setRoute(r);
    // Focus the new view's heading region for screen readers and keyboard users.
    requestAnimationFrame(() => document.getElementById('main')?.focus({ preventScroll: true }));
  }, []);

  const session = phase.kind === 'signedIn' ? phase.session : null;
  const api = useMemo(() => {
    if (!config || !session) return null;
    return new ChunkvaultApi(new HttpTransport(config.apiBase, () => currentSession()?.accessToken ?? null, () => {
      // 401: the token expired or was revoked. Sign in again and return to the same place, unless uploads are
      // running: then they stop (the journal keeps what was sent) and the upload panel says to sign in and add the
      // same files again, which resumes them.
      forgetSession();
      if (uploads.busy || uploads.expired) uploads.sessionExpired();
      else void signIn(config, here());
    }));
  }, [config, session, signIn]);

  const signOut = () => {
    forgetSession();
    sessionStorage.removeItem(HAD_SESSION);
    const to = config && logoutUrl(config);
    if (to) location.assign(to);
    else setPhase({ kind: 'signedOut', message: 'Signed out.' });
  };

  if (phase.kind === 'loading') return <main id="main" class="center"><p role="status">Loading…</p></main>;
  if (phase.kind === 'failed') return <main id="main" class="center"><p class="error" role="alert">{phase.message}</p></main>;
  if (phase.kind === 'signedOut' || !api || !config) {
    return (
      <main id="main" class="center signin">
        <h1>Chunkvault</h1>
        <p>Your files, their history, and every folder as it was.</p>
        {phase.kind === 'signedOut' && phase.message && <p class="error" role="alert">{phase.message}</p>}
        <button type="button" class="primary" onClick={() => config && signIn(config, here())}>Sign in</button>
      </main>
    );
  }

  const folderOf = route.view === 'file' ? parentOf(route.path) : route.view === 'usage' ? '' : route.folder;
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <Link to={{ view: 'files', folder: '' }} navigate={navigate} class="brand">Chunkvault</Link>
        <nav aria-label="Sections">
          <Link to={{ view: 'files', folder: folderOf }} navigate={navigate} aria-current={route.view === 'files' ? 'page' : undefined}>Files</Link>
          <Link to={{ view: 'trash', folder: folderOf }} navigate={navigate} aria-current={route.view === 'trash' ? 'page' : undefined}>Trash</Link>
          <Link to={{ view: 'usage' }} navigate={navigate} aria-current={route.view === 'usage' ? 'page' : undefined}>Usage</Link>
        </nav>
        <span class="user" title="Signed in as">{phase.session.user}</span>
        <button type="button" onClick={signOut}>Sign out</button>
      </header>
      <main id="main" tabIndex={-1}>
        {route.view === 'files' && <FolderView key={`f:${route.folder}`} api={api} folder={route.folder} trash={false} navigate={navigate}
          startUpload={transferHooks.startUpload} downloadFile={transferHooks.downloadFile} downloadZip={transferHooks.downloadZip} />}
        {route.view === 'trash' && <FolderView key={`t:${route.folder}`} api={api} folder={route.folder} trash navigate={navigate} />}
        {route.view === 'file' && <FileView key={route.path} api={api} path={route.path} navigate={navigate}
          downloadFile={transferHooks.downloadFile} />}
        {route.view === 'rewind' && <RewindView key={route.folder} api={api} folder={route.folder} navigate={navigate} />}
        {route.view === 'usage' && <UsageView api={api} />}
        <UploadPanel uploads={uploads} pending={pending} onSignIn={() => { leaving.current = false; void signIn(config, here()); }} />
      </main>
    </>
  );
}
