import { useState } from 'preact/hooks';
import { newIdempotencyKey, type ChunkvaultApi } from '../api/client';
import type { RewindChange } from '../api/types';
import { formatTime } from '../format';
import { Breadcrumbs, ErrorLine, type Navigate } from './common';

/** A datetime-local value (the browser's local time) for an instant. */
export function localInput(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Rewind a folder to a chosen time: a dry run first (what would change), then the rewind itself, as new versions. */
export function RewindView({ api, folder, navigate }: { api: ChunkvaultApi; folder: string; navigate: Navigate }) {
  const [when, setWhen] = useState(() => localInput(new Date(Date.now() - 3600_000)));
  const [plan, setPlan] = useState<{ to: string; changes: RewindChange[]; unchanged: number; retainedSince?: string } | null>(null);
  const [done, setDone] = useState<RewindChange[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const toInstant = (): string => {
    const d = new Date(when);
    if (Number.isNaN(d.getTime())) throw new Error('Choose a date and time.');
    if (d.getTime() > Date.now()) throw new Error('The time to rewind to cannot be in the future.');
    return d.toISOString();
  };
  const preview = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setDone(null);
    setPlan(null);
    try {
      const to = toInstant();
      const pages = await api.rewindAll({ folder, to, dryRun: true });
      setPlan({
        to, changes: pages.flatMap((p) => p.changes ?? []), unchanged: pages.reduce((n, p) => n + (p.unchanged ?? 0), 0),
        retainedSince: pages[0]?.retainedSince,
      });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const apply = async () => {
    if (!plan) return;
    setBusy(true);
    setError(null);
    try {
      const pages = await api.rewindAll({ folder, to: plan.to, dryRun: false, idempotencyKey: newIdempotencyKey() });
      setDone(pages.flatMap((p) => p.changes ?? []));
      setPlan(null);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const planned = plan?.changes.filter((c) => c.status === 'PLANNED') ?? [];

  return (
    <section class="rewind" aria-labelledby="rewind-title">
      <Breadcrumbs folder={folder} navigate={navigate} view="files" last={false} />
      <h1 id="rewind-title">Rewind {folder ? `“${folder}”` : 'all files'}</h1>
      <p>Every file in this folder (and below it) goes back to how it was at the chosen time, as new versions: nothing is lost,
        and the rewind itself can be undone the same way.</p>
      <form onSubmit={preview} class="rewind-form">
        <label>Rewind to <input type="datetime-local" step={1} value={when} required
          onInput={(e) => { setWhen((e.currentTarget as HTMLInputElement).value); setPlan(null); }} /></label>
        <button type="submit" disabled={busy}>Preview changes</button>
      </form>
      <ErrorLine error={error} />
      {plan && (
        <div class="plan" role="region" aria-label="Dry run">
          <h2>Dry run: {planned.length} {planned.length === 1 ? 'file' : 'files'} would change, {plan.unchanged} unchanged</h2>
          {plan.retainedSince && <p class="note">History before {formatTime(plan.retainedSince)} may no longer be kept.</p>}
          <Changes changes={plan.changes} />
          <button type="button" class="danger" disabled={busy || planned.length === 0} onClick={apply}>
            Rewind {planned.length} {planned.length === 1 ? 'file' : 'files'}</button>
        </div>
      )}
      {done && (
        <div class="plan" role="region" aria-label="Rewind result">
          <h2 role="status">Rewound: {done.filter((c) => c.status === 'DONE').length} changed,
            {' '}{done.filter((c) => c.status === 'SKIPPED').length} skipped</h2>
          <Changes changes={done} />
        </div>
      )}
    </section>
  );
}

function Changes({ changes }: { changes: RewindChange[] }) {
  if (changes.length === 0) return <p class="empty">Nothing to change: the folder is as it was then.</p>;
  return (
    <table class="changes">
      <thead><tr><th scope="col">File</th><th scope="col">Change</th><th scope="col">Status</th><th scope="col">Note</th></tr></thead>
      <tbody>
        {changes.map((c) => (
          <tr key={c.path}>
            <td class="mono">{c.path}</td>
            <td>{c.action ? c.action.toLowerCase() : '—'}</td>
            <td>{c.status.toLowerCase()}</td>
            <td>{c.reason ? `${c.reason}${c.message ? `: ${c.message}` : ''}` : ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
