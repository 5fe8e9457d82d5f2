import { useEffect, useState } from 'preact/hooks';
import type { ChunkvaultApi } from '../api/client';
import type { Usage } from '../api/types';
import { formatBytes, formatTime } from '../format';
import { ErrorLine } from './common';

/** The account's usage against its quota. */
export function UsageView({ api }: { api: ChunkvaultApi }) {
  const [usage, setUsage] = useState<Usage | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const abort = new AbortController();
    api.usage(abort.signal).then(setUsage, (e) => { if (!abort.signal.aborted) setError(e); });
    return () => abort.abort();
  }, [api]);
  const pct = usage?.quota ? Math.min(100, (usage.logicalBytes / usage.quota) * 100) : null;
  return (
    <section class="usage" aria-labelledby="usage-title">
      <h1 id="usage-title">Usage and quota</h1>
      <ErrorLine error={error} />
      {usage && (
        <>
          <p class="big">{formatBytes(usage.logicalBytes)} used{usage.quota ? ` of ${formatBytes(usage.quota)}` : ' (no quota)'}</p>
          {pct !== null && <progress max={100} value={pct} aria-label="Share of the quota used">{pct.toFixed(0)}%</progress>}
          <dl class="facts">
            <dt>Files</dt><dd>{usage.files.toLocaleString()}</dd>
            <dt>Versions kept</dt><dd>{usage.versions.toLocaleString()}</dd>
            <dt>Earlier versions</dt><dd>{formatBytes(usage.historyBytes)} (not counted against the quota)</dd>
            {usage.storedBytes !== undefined && (
              <><dt>Stored after dedup</dt><dd>{formatBytes(usage.storedBytes)} (as of {formatTime(usage.storedBytesAt)})</dd></>
            )}
          </dl>
        </>
      )}
    </section>
  );
}
