import type { ComponentChildren, JSX } from 'preact';
import { ApiError } from '../api/types';
import { href, type Route } from '../routes';

/** Navigates inside the app (history.pushState); set by App. */
export type Navigate = (r: Route) => void;

/** An in-app link: a real <a href> (open in a new tab works), routed without a reload on a plain click. */
export function Link(props: { to: Route; navigate: Navigate; children: ComponentChildren; class?: string; 'aria-current'?: 'page' }) {
  const onClick = (e: JSX.TargetedMouseEvent<HTMLAnchorElement>) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    props.navigate(props.to);
  };
  return <a href={href(props.to)} onClick={onClick} class={props.class} aria-current={props['aria-current']}>{props.children}</a>;
}

/** The text of an error, for an inline message (always text: Preact escapes it). */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.code && !e.code.startsWith('HTTP_') ? `${e.message} (${e.code})` : e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

export function ErrorLine(props: { error: unknown }) {
  if (!props.error) return null;
  return <p class="error" role="alert">{errorText(props.error)}</p>;
}

/** Home / a / b: every folder above is a link; the last one is the current page. */
export function Breadcrumbs(props: { folder: string; navigate: Navigate; view: 'files' | 'trash'; last?: boolean }) {
  const parts = props.folder ? props.folder.split('/') : [];
  const root = props.view === 'trash' ? 'Trash' : 'All files';
  const to = (i: number): Route => ({ view: props.view, folder: parts.slice(0, i).join('/') });
  const currentIsLast = props.last ?? true;
  return (
    <nav aria-label="Breadcrumb" class="crumbs">
      <ol>
        <li>{parts.length === 0 && currentIsLast ? <span aria-current="page">{root}</span>
          : <Link to={to(0)} navigate={props.navigate}>{root}</Link>}</li>
        {parts.map((p, i) => (
          <li key={i}>{i === parts.length - 1 && currentIsLast ? <span aria-current="page">{p}</span>
            : <Link to={to(i + 1)} navigate={props.navigate}>{p}</Link>}</li>
        ))}
      </ol>
    </nav>
  );
}
