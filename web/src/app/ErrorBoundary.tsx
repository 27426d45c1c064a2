import { Component, type ReactNode } from 'react';

/** A view that throws shows what happened instead of a blank page; other views keep working. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state = { error: null as Error | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override render() {
    if (this.state.error)
      return (
        <div className="notice notice-bad" role="alert">
          <div>
            <p>
              <strong>This view failed to render.</strong> {this.state.error.message}
            </p>
            <p>Reload the page; if it happens again, the admin API answered with something unexpected.</p>
          </div>
        </div>
      );
    return this.props.children;
  }
}
