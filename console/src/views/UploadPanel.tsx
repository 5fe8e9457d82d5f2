import { useEffect, useState } from 'preact/hooks';
import { formatBytes } from '../format';
import type { UploadItem, UploadManager } from '../uploads';

const STATE_TEXT: Record<UploadItem['state'], string> = {
  waiting: 'waiting', hashing: 'reading', uploading: 'uploading', committing: 'saving', done: 'done',
  failed: 'failed', conflict: 'conflict', cancelled: 'stopped',
};

function percent(sent: number, size: number): number {
  return size > 0 ? Math.min(100, Math.floor((sent / size) * 100)) : 100;
}

/** The uploads of this page: each file's bytes and percent, the total, cancel, and errors inline per file. */
export function UploadPanel(props: { uploads: UploadManager; pending: string[]; onSignIn?: () => void }) {
  const { uploads } = props;
  const [snap, setSnap] = useState(uploads.state);
  useEffect(() => {
    setSnap(uploads.state);
    return uploads.subscribe(() => setSnap(uploads.state));
  }, [uploads]);
  const { items, notice, busy } = snap;
  if (items.length === 0 && !notice && props.pending.length === 0) return null;
  const total = items.reduce((n, i) => n + i.size, 0);
  const sent = items.reduce((n, i) => n + Math.min(i.sent, i.size), 0);
  const done = items.filter((i) => i.state === 'done').length;
  const failed = items.filter((i) => i.state === 'failed' || i.state === 'conflict').length;
  return (
    <section class="uploads" aria-labelledby="uploads-title">
      <div class="uploads-head">
        <h2 id="uploads-title">Uploads</h2>
        <span class="overall" role="status" aria-live="polite">
          {items.length > 0 && `${done} of ${items.length} done${failed ? `, ${failed} failed` : ''} · ${formatBytes(sent)} of ${formatBytes(total)} (${percent(sent, total)}%)`}
        </span>
        {busy && <button type="button" onClick={() => uploads.cancel()}>Cancel uploads</button>}
        {!busy && items.length > 0 && <button type="button" onClick={() => uploads.clear()}>Clear finished</button>}
      </div>
      {notice && (
        <p class="error" role="alert">{notice} {props.onSignIn && <button type="button" onClick={props.onSignIn}>Sign in again</button>}</p>
      )}
      {props.pending.length > 0 && items.length === 0 && (
        <p class="note">An upload stopped before you signed in again. Add the same files again to resume it: {props.pending.join(', ')}</p>
      )}
      {items.length > 0 && <progress class="overall-bar" max={Math.max(total, 1)} value={sent} aria-label="All uploads" />}
      <ul class="upload-list">
        {items.map((i) => (
          <li key={i.id} class={`upload ${i.state}`} data-path={i.path}>
            <span class="upath">{i.path}</span>
            <progress max={Math.max(i.size, 1)} value={Math.min(i.sent, i.size)} aria-label={`Upload of ${i.path}`} />
            <span class="ustate">
              {STATE_TEXT[i.state]}{i.resumed ? ' · resumed' : ''}{i.replacing ? ' · new version' : ''}
              {` · ${formatBytes(Math.min(i.sent, i.size))} of ${formatBytes(i.size)} (${percent(i.sent, i.size)}%)`}
            </span>
            {i.error && <span class="uerror" role="alert">{i.error}</span>}
            {i.state === 'conflict' && uploads.canResolve(i.id) && (
              <span class="uactions">
                <button type="button" onClick={() => void uploads.keepBoth(i.id)}
                  title="Upload this file as a conflicted copy next to the other version">Keep both</button>{' '}
                <button type="button" onClick={() => void uploads.replace(i.id)}
                  title="Upload this file as the newest version; the other one stays in the history">Replace</button>
              </span>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
