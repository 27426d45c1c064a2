import { type ReactNode, useEffect, useId, useRef } from 'react';

let navigated = false;
/** After the first view, moving to another view moves focus to its heading (screen readers announce it). */
export function markNavigated(): void {
  navigated = true;
}

export function Page({
  title,
  subtitle,
  actions,
  children,
}: {
  title: string;
  subtitle?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
}) {
  const h1 = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} — Keel Command Room`;
    if (navigated) h1.current?.focus();
  }, [title]);
  return (
    <>
      <header className="page-head">
        <div>
          <h1 ref={h1} tabIndex={-1}>
            {title}
          </h1>
          {subtitle ? <p className="subtitle">{subtitle}</p> : null}
        </div>
        {actions ? <div className="page-actions no-print">{actions}</div> : null}
      </header>
      {children}
    </>
  );
}

export function Section({
  title,
  description,
  actions,
  children,
  className,
}: {
  title: string;
  description?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  const id = useId();
  return (
    <section className={`card ${className ?? ''}`} aria-labelledby={id}>
      <div className="card-head">
        <div>
          <h2 id={id}>{title}</h2>
          {description ? <p className="muted small">{description}</p> : null}
        </div>
        {actions ? <div className="card-actions no-print">{actions}</div> : null}
      </div>
      {children}
    </section>
  );
}
