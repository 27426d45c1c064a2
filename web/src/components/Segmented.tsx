/** One choice of a few (tabs, periods) as pressed buttons in a fieldset named by `legend`. */
export function Segmented<T extends string>({
  legend,
  options,
  value,
  onChange,
}: {
  legend: string;
  options: ReadonlyArray<{ id: T; label: string }>;
  value: T;
  onChange: (id: T) => void;
}) {
  return (
    <fieldset className="bare">
      <legend className="sr-only">{legend}</legend>
      <div className="segmented">
        {options.map((o) => (
          <button
            key={o.id}
            type="button"
            className="seg"
            aria-pressed={value === o.id}
            onClick={() => onChange(o.id)}
          >
            {o.label}
          </button>
        ))}
      </div>
    </fieldset>
  );
}
