import { useEffect, useRef, useState } from 'preact/hooks';
import type { ChunkvaultApi } from '../api/client';
import type { FileEntry, Version } from '../api/types';
import { baseName, conflictKind, formatBytes, formatTime, parentOf } from '../format';
import type { DownloadFile } from '../hooks';
import { Breadcrumbs, ErrorLine, errorText, type Navigate } from './common';

interface Props {
  api: ChunkvaultApi;
  path: string;
  navigate: Navigate;
  downloadFile?: DownloadFile;
}

/** One file: its head, download, delete or undelete, and its history with "restore this version". */
export function FileView({ api, path, navigate, downloadFile }: Props) {
  const [file, setFile] = useState<FileEntry | null>(null);
  const [versions, setVersions] = useState<Version[]>([]);
  const [more, setMore] = useState<string | undefined>();
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [reload, setReload] = useState(0);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const deleteRef = useRef<HTMLButtonElement>(null);
  // Keyboard users land on the confirmation's safe choice, and back on "Delete…" when it closes.
  useEffect(() => {
    if (confirmDelete) cancelRef.current?.focus();
  }, [confirmDelete]);

  useEffect(() => {
    const abort = new AbortController();
    setError(null);
    Promise.all([api.file(path, true, abort.signal), api.history(path, undefined, 100, abort.signal)]).then(([f, h]) => {
      setFile(f);
      setVersions(h.versions ?? []);
      setMore(h.cursor);
    }, (e) => { if (!abort.signal.aborted) setError(e); });
    return () => abort.abort();
  }, [api, path, reload]);

  const act = async (what: () => Promise<string>) => {
    setBusy(true);
    setError(null);
    setStatus('');
    try {
      setStatus(await what());
      setReload((n) => n + 1);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
      setConfirmDelete(false);
    }
  };

  const restore = (v: Version) => act(async () => {
    await api.restore(path, v.versionId, file?.version);
    return `Restored the version of ${formatTime(v.createdAt)} as the newest version.`;
  });
  const undelete = () => act(async () => {
    const last = versions.find((v) => !v.deleted);
    if (!last) throw new Error('No earlier version of this file is kept; it cannot be undeleted.');
    await api.restore(path, last.versionId, file?.version);
    return 'Undeleted: the file is back with its last content.';
  });
  const del = () => act(async () => {
    await api.delete(path, file?.version);
    return 'Deleted. It stays in the trash (with its history) for the retention period.';
  });
  const download = async () => {
    if (!downloadFile) return;
    try {
      setError(null);
      setStatus('Downloading…');
      await downloadFile(api.transport, path, undefined, (p) =>
        setStatus(`Downloading: ${formatBytes(p.receivedBytes)} of ${formatBytes(p.totalBytes)}`));
      setStatus('Downloaded (its bytes checked against the version’s hash).');
    } catch (e) {
      setStatus('');
      setError(e);
    }
  };
  const loadMore = async () => {
    try {
      const h = await api.history(path, more, 100);
      setVersions((v) => [...v, ...(h.versions ?? [])]);
      setMore(h.cursor);
    } catch (e) {
      setError(e);
    }
  };

  const name = baseName(path);
  const conflict = conflictKind(name);
  return (
    <section class="file" aria-labelledby="file-title">
      <Breadcrumbs folder={parentOf(path)} navigate={navigate} view={file?.deleted ? 'trash' : 'files'} last={false} />
      <h1 id="file-title">{name} {conflict && <span class="badge conflict">{conflict}</span>}
        {file?.deleted && <span class="badge deleted">deleted</span>}</h1>
      <ErrorLine error={error} />
      <p class="status" role="status" aria-live="polite">{status}</p>
      {file && (
        <>
          <dl class="facts">
            <dt>Path</dt><dd class="mono">{file.path}</dd>
            <dt>Size</dt><dd>{formatBytes(file.size)}</dd>
            <dt>Modified</dt><dd>{formatTime(file.clientMtime ?? file.updatedAt)}</dd>
            <dt>Version</dt><dd class="mono">{file.version}</dd>
            {file.originalName && <><dt>Original name</dt><dd>{file.originalName}</dd></>}
            {file.link && <><dt>Kind</dt><dd>Symbolic link (its content is the path it points to; a folder's zip keeps it a link)</dd></>}
            {file.executable && <><dt>Mode</dt><dd>Executable</dd></>}
          </dl>
          <div class="actions">
            {!file.deleted && (
              <button type="button" disabled={!downloadFile || busy} onClick={download}
                title={downloadFile ? undefined : 'Downloads arrive with the transfer module'}>Download</button>
            )}
            {!file.deleted && !confirmDelete && <button ref={deleteRef} type="button" class="danger" disabled={busy}
              onClick={() => setConfirmDelete(true)}>Delete…</button>}
            {confirmDelete && (
              <span class="confirm" role="group" aria-label="Confirm delete">
                Delete “{name}”? <button type="button" class="danger" onClick={del} disabled={busy}>Delete</button>
                <button ref={cancelRef} type="button" onClick={() => { setConfirmDelete(false); requestAnimationFrame(() => deleteRef.current?.focus()); }}
                  onKeyDown={(e) => { if (e.key === 'Escape') (e.currentTarget as HTMLButtonElement).click(); }}>Cancel</button>
              </span>
            )}
            {file.deleted && <button type="button" disabled={busy} onClick={undelete}>Undelete</button>}
          </div>
        </>
      )}
      <h2>History</h2>
      <table class="history">
        <thead><tr><th scope="col">When</th><th scope="col">Size</th><th scope="col">What</th><th scope="col">Version</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
        <tbody>
          {versions.map((v, i) => {
            const current = file?.version === v.versionId;
            return (
              <tr key={v.versionId} class={current ? 'current' : undefined}>
                <td>{formatTime(v.createdAt)}</td>
                <td>{v.deleted ? '—' : formatBytes(v.size)}</td>
                <td>{v.deleted ? 'deleted' : i === versions.length - 1 && !more ? 'created' : 'changed'}{current ? ' (current)' : ''}</td>
                <td class="mono" title={v.versionId}>{v.seq ? `#${v.seq}` : v.versionId.slice(0, 12)}</td>
                <td>{!current && !v.deleted && (
                  <button type="button" disabled={busy} onClick={() => restore(v)}
                    aria-label={`Restore the version of ${formatTime(v.createdAt)}, ${formatBytes(v.size)}`}>Restore this version</button>
                )}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {more && <button type="button" onClick={loadMore}>Older versions</button>}
      {!error && versions.length === 0 && <p class="empty">Loading…</p>}
      {error && !file ? <p>Could not load this file: {errorText(error)}</p> : null}
    </section>
  );
}
