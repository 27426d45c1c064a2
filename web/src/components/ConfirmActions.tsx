/** The foot of a confirmation dialog: why the last attempt failed, then confirm and cancel. */
export function ConfirmActions({
  label,
  danger,
  busy,
  error,
  onConfirm,
  onCancel,
}: {
  label: string;
  danger: boolean;
  busy: boolean;
  error: string | null;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <>
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="btn-row">
        <button
          type="button"
          className={`btn ${danger ? 'btn-danger solid' : 'btn-primary'}`}
          disabled={busy}
          onClick={onConfirm}
        >
          {label}
        </button>
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </>
  );
}
