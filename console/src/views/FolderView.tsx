import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { ChunkvaultApi } from '../api/client';
import type { FileEntry } from '../api/types';
import { filterRows, formatBytes, formatTime, parentOf, rowsOf, sortRows, type Row, type SortDir, type SortKey } from '../format';
import type { DownloadFile, DownloadZip, StartUpload } from '../hooks';
import { Breadcrumbs, ErrorLine, Link, type Navigate } from './common';
import { DropZone } from './DropZone';
import { VirtualList } from './VirtualList';

interface Props {
  api: ChunkvaultApi;
  folder: string;
  trash: boolean;
  navigate: Navigate;
  startUpload?: StartUpload;
  downloadFile?: DownloadFile;
  downloadZip?: DownloadZip;
}

const COLUMNS: { key: SortKey; label: string }[] = [
  { key: 'name', label: 'Name' }, { key: 'size', label: 'Size' }, { key: 'modified', label: 'Modified' },
];

/** A folder (or, with `trash`, its deleted files): breadcrumbs, sort, filter, and the virtual list of its entries. */
export function FolderView({ api, folder, trash, navigate, startUpload, downloadFile, downloadZip }: Props) {
  const [files, setFiles] = useState<FileEntry[]>([]);
  const [folders, setFolders] = useState<string[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [sort, setSort] = useState<{ key: SortKey; dir: SortDir }>({ key: 'name', dir: 'asc' });
  const [filter, setFilter] = useState('');
  const [active, setActive] = useState(-1);
  const [reload, setReload] = useState(0);
  const [transfer, setTransfer] = useState('');
  const zipAbort = useRef<AbortController | null>(null);
  useEffect(() => () => zipAbort.current?.abort(), []);

  // A refresh after an upload keeps the rows shown until the new listing is complete (no flash of an empty list).
  const quiet = useRef(false);
  useEffect(() => {
    const abort = new AbortController();
    const keep = quiet.current;
    quiet.current = false;
    if (!keep) {
      setFiles([]);
      setFolders([]);
      setLoading(true);
      setActive(-1);
    }
    setError(null);
    api.listAll(folder, trash, (f, d) => {
      if (abort.signal.aborted || keep) return;
      setFiles([...f]);
      setFolders([...d]);
    }, abort.signal).then((all) => {
      if (keep && !abort.signal.aborted) {
        setFiles(all.files);
        setFolders(all.folders);
      }
      setLoading(false);
    }, (e) => {
      if (abort.signal.aborted) return;
      setError(e);
      setLoading(false);
    });
    return () => abort.abort();
  }, [api, folder, trash, reload]);

  const rows = useMemo(() => {
    const shown = trash ? files.filter((f) => f.deleted) : files;
    return sortRows(filterRows(rowsOf(shown, folders), filter), sort.key, sort.dir);
  }, [files, folders, filter, sort, trash]);

  const view = trash ? 'trash' : 'files';
  const open = (r: Row) => {
    if (r.kind === 'folder') navigate({ view, folder: r.path });
    else navigate({ view: 'file', path: r.path });
  };
  const toggleSort = (key: SortKey) =>
    setSort((s) => ({ key, dir: s.key === key && s.dir === 'asc' ? 'desc' : 'asc' }));
  const title = trash ? 'Trash' : 'All files';

  const download = async (r: Row) => {
    if (!downloadFile || r.kind !== 'file') return;
    setError(null);
    setTransfer(`Downloading ${r.name}…`);
    try {
      await downloadFile(api.transport, r.path, undefined, (p) =>
        setTransfer(`Downloading ${r.name}: ${formatBytes(p.receivedBytes)} of ${formatBytes(p.totalBytes)}`));
      setTransfer(`Downloaded ${r.name}.`);
    } catch (e) {
      setTransfer('');
      setError(e);
    }
  };
  const zip = async () => {
    if (!downloadZip) return;
    if (zipAbort.current) {
      zipAbort.current.abort();
      return;
    }
    const abort = new AbortController();
    zipAbort.current = abort;
    setError(null);
    setTransfer('Preparing the zip…');
    try {
      await downloadZip(api.transport, folder, (p) => setTransfer(
        `Zipping: ${p.filesDone} of ${p.filesTotal} files, ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}`
        + ` (${p.bytesTotal ? Math.floor((p.bytesDone / p.bytesTotal) * 100) : 100}%)`), abort.signal);
      setTransfer('The zip is downloaded.');
    } catch (e) {
      setTransfer(abort.signal.aborted ? 'Zip cancelled.' : '');
      if (!abort.signal.aborted) setError(e);
    } finally {
      zipAbort.current = null;
    }
  };
  const upload = startUpload && ((tree: Parameters<StartUpload>[1]) => startUpload(api.transport, tree, folder, () => {
    quiet.current = true;
    setReload((n) => n + 1);
  }));

  return (
    <section class="folder" aria-labelledby="folder-title">
      <h1 id="folder-title" class="visually-hidden">{title}{folder ? `: ${folder}` : ''}</h1>
      <Breadcrumbs folder={folder} navigate={navigate} view={view} />
      <div class="toolbar">
        <label class="filter">Filter by name <input type="search" value={filter} placeholder="name contains…"
          onInput={(e) => { setFilter((e.currentTarget as HTMLInputElement).value); setActive(-1); }} /></label>
        <span class="count" role="status" aria-live="polite">
          {loading ? `Loading… ${files.length + folders.length} so far` : `${rows.length} ${rows.length === 1 ? 'item' : 'items'}`}
        </span>
        {!trash && <Link to={{ view: 'rewind', folder }} navigate={navigate} class="button">Rewind this folder…</Link>}
        {trash
          ? <Link to={{ view: 'files', folder }} navigate={navigate} class="button">Back to files</Link>
          : <Link to={{ view: 'trash', folder }} navigate={navigate} class="button">Deleted files here</Link>}
        <button type="button" onClick={() => setReload((n) => n + 1)}>Refresh</button>
        {!trash && downloadZip && <button type="button" onClick={zip}>{zipAbort.current ? 'Cancel zip' : 'Download folder as zip'}</button>}
      </div>
      {transfer && <p class="transfer-status" role="status" aria-live="polite">{transfer}</p>}
      <ErrorLine error={error} />
      <div class="columns" role="presentation">
        {COLUMNS.map((c) => (
          <button type="button" class={`col col-${c.key}`} onClick={() => toggleSort(c.key)}
            aria-label={`Sort by ${c.label.toLowerCase()}${sort.key === c.key ? (sort.dir === 'asc' ? ', ascending' : ', descending') : ''}`}>
            {c.label}{sort.key === c.key ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ''}
          </button>
        ))}
      </div>
      <VirtualList items={rows} label={`${title}${folder ? ` in ${folder}` : ''}`} active={active} setActive={setActive}
        idPrefix="row" onOpen={open}
        onKey={(e) => {
          if ((e.key === 'd' || e.key === 'D') && !e.ctrlKey && !e.metaKey && !trash && active >= 0 && rows[active]?.kind === 'file') {
            void download(rows[active]);
            return true;
          }
          if ((e.key === 'Backspace' || (e.altKey && e.key === 'ArrowUp')) && folder) {
            navigate({ view, folder: parentOf(folder) });
            return true;
          }
          return false;
        }}
        render={(r) => (
          <>
            <span class="cell name">
              <Icon kind={r.kind} />
              <span class="label">{r.name}</span>
              {r.conflict && <span class="badge conflict" title="A copy the sync client made when two devices changed the same file">
                {r.conflict}</span>}
              {r.entry?.link && <span class="badge link" title="A symbolic link: its content is the path it points to">link</span>}
              {r.entry?.deleted && <span class="badge deleted">deleted</span>}
            </span>
            <span class="cell size">{r.kind === 'file' ? formatBytes(r.size) : ''}</span>
            <span class="cell modified">{r.kind === 'file' ? formatTime(r.modified) : ''}</span>
            <span class="cell act">{r.kind === 'file' && !trash && downloadFile && (
              <button type="button" class="row-action" tabIndex={-1} title="Download (key D)" aria-label={`Download ${r.name}`}
                onClick={(e) => { e.stopPropagation(); void download(r); }}>Download</button>
            )}</span>
          </>
        )} />
      {!loading && rows.length === 0 && !error && (
        <p class="empty">{filter ? 'Nothing matches the filter.' : trash ? 'No deleted files in this folder.' : 'This folder is empty.'}</p>
      )}
      {!trash && <DropZone folder={folder} upload={upload} />}
    </section>
  );
}

/** A folder or a file, drawn (no emoji: not every system has a font for them). */
function Icon({ kind }: { kind: 'folder' | 'file' }) {
  return kind === 'folder' ? (
    <svg class="icon folder" viewBox="0 0 20 16" width="20" height="16" aria-hidden="true">
      <path d="M1 3a2 2 0 0 1 2-2h4l2 2h8a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H3a2 2 0 0 1-2-2z" />
    </svg>
  ) : (
    <svg class="icon file" viewBox="0 0 16 20" width="16" height="20" aria-hidden="true">
      <path d="M2 1h8l5 5v12a1 1 0 0 1-1 1H2a1 1 0 0 1-1-1V2a1 1 0 0 1 1-1z" />
      <path d="M10 1v5h5" />
    </svg>
  );
}
