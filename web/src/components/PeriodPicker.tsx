import { useId, useState } from 'react';
import { usePeriod } from '../app/period';
import { day } from '../lib/format';
import {
  describePeriod,
  PRESET_LABEL,
  type Preset,
  presetPeriod,
  previousPeriod,
  validPeriod,
} from '../lib/period';

const PRESETS: Exclude<Preset, 'custom'>[] = ['day', 'week', 'month'];

/** Day / week / month / custom, and whether to compare with the period before. */
export function PeriodPicker({ withCompare = true }: { withCompare?: boolean }) {
  const { period, setPeriod, compare, setCompare } = usePeriod();
  const [custom, setCustom] = useState({ from: period.from, to: period.to });
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  const prev = previousPeriod(period);

  const applyCustom = () => {
    const p = { preset: 'custom' as const, ...custom };
    if (!validPeriod(p)) {
      setError('Pick a start date on or before the end date.');
      return;
    }
    setError(null);
    setPeriod(p);
  };

  return (
    <fieldset className="period">
      <legend className="sr-only">Period</legend>
      <div className="segmented">
        {PRESETS.map((p) => (
          <button
            key={p}
            type="button"
            className="seg"
            aria-pressed={period.preset === p}
            onClick={() => {
              const next = presetPeriod(p);
              setCustom({ from: next.from, to: next.to });
              setPeriod(next);
            }}
          >
            {PRESET_LABEL[p]}
          </button>
        ))}
        <button
          type="button"
          className="seg"
          aria-pressed={period.preset === 'custom'}
          onClick={() => setPeriod({ ...period, preset: 'custom' })}
        >
          Custom
        </button>
      </div>
      {period.preset === 'custom' ? (
        <div className="custom-range" id={`${id}-custom`}>
          <label>
            From
            <input
              type="date"
              value={custom.from}
              max={custom.to}
              onChange={(e) => setCustom({ ...custom, from: e.target.value })}
            />
          </label>
          <label>
            To
            <input
              type="date"
              value={custom.to}
              min={custom.from}
              onChange={(e) => setCustom({ ...custom, to: e.target.value })}
            />
          </label>
          <button type="button" className="btn btn-small" onClick={applyCustom}>
            Apply
          </button>
          {error ? (
            <span className="field-error" role="alert">
              {error}
            </span>
          ) : null}
        </div>
      ) : null}
      {withCompare ? (
        <label className="check">
          <input type="checkbox" checked={compare} onChange={(e) => setCompare(e.target.checked)} />
          Compare with {day(prev.from)} – {day(prev.to)}
        </label>
      ) : null}
      <p className="period-now" aria-live="polite">
        Showing {describePeriod(period)}: {day(period.from)} – {day(period.to)} (UTC days)
      </p>
    </fieldset>
  );
}
