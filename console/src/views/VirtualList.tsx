import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { visibleRange } from '../format';

export interface VirtualListProps<T> {
  items: T[];
  label: string;
  rowHeight?: number;
  /** The row under the keyboard cursor. */
  active: number;
  setActive: (i: number) => void;
  onOpen: (item: T, index: number) => void;
  /** Extra keys (Backspace: up a folder, ...); return true when handled. */
  onKey?: (e: KeyboardEvent) => boolean;
  render: (item: T, index: number) => ComponentChildren;
  idPrefix: string;
}

/**
 * A listbox that draws only the rows in view (and a few around), so a folder of 10,000 entries scrolls as smoothly as
 * one of ten. One tab stop; arrows, Page Up/Down, Home and End move the active row (aria-activedescendant), Enter opens.
 */
export function VirtualList<T>(p: VirtualListProps<T>) {
  const rowHeight = p.rowHeight ?? 36;
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(560);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    setViewport(el.clientHeight || 560);
    const ro = new ResizeObserver(() => setViewport(el.clientHeight || 560));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Keep the active row in view.
  useLayoutEffect(() => {
    const el = box.current;
    if (!el || p.active < 0) return;
    const top = p.active * rowHeight;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + rowHeight > el.scrollTop + el.clientHeight) el.scrollTop = top + rowHeight - el.clientHeight;
  }, [p.active, rowHeight]);

  const [first, last] = visibleRange(scrollTop, viewport, rowHeight, p.items.length);
  const perPage = Math.max(1, Math.floor(viewport / rowHeight) - 1);
  const n = p.items.length;

  const onKeyDown = (e: JSX.TargetedKeyboardEvent<HTMLDivElement>) => {
    if (p.onKey?.(e)) {
      e.preventDefault();
      return;
    }
    const move = (i: number) => {
      e.preventDefault();
      if (n > 0) p.setActive(Math.max(0, Math.min(n - 1, i)));
    };
    switch (e.key) {
      case 'ArrowDown': return move(p.active < 0 ? 0 : p.active + 1);
      case 'ArrowUp': return move(p.active < 0 ? 0 : p.active - 1);
      case 'PageDown': return move(p.active + perPage);
      case 'PageUp': return move(p.active - perPage);
      case 'Home': return move(0);
      case 'End': return move(n - 1);
      case 'Enter':
        if (p.active >= 0 && p.active < n) {
          e.preventDefault();
          p.onOpen(p.items[p.active], p.active);
        }
    }
  };

  return (
    <div ref={box} class="vlist" role="listbox" tabIndex={0} aria-label={p.label}
      aria-activedescendant={p.active >= 0 && p.active < n ? `${p.idPrefix}-${p.active}` : undefined}
      onScroll={(e) => setScrollTop((e.currentTarget as HTMLDivElement).scrollTop)}
      onFocus={() => { if (p.active < 0 && n > 0) p.setActive(0); }} onKeyDown={onKeyDown}>
      <div class="vlist-space" style={{ height: `${n * rowHeight}px` }}>
        {p.items.slice(first, last).map((item, k) => {
          const i = first + k;
          return (
            <div key={i} id={`${p.idPrefix}-${i}`} role="option" aria-selected={i === p.active} aria-setsize={n} aria-posinset={i + 1}
              class={i === p.active ? 'vrow active' : 'vrow'} style={{ transform: `translateY(${i * rowHeight}px)`, height: `${rowHeight}px` }}
              onClick={() => { p.setActive(i); p.onOpen(item, i); }}>
              {p.render(item, i)}
            </div>
          );
        })}
      </div>
    </div>
  );
}
