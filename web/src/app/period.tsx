import { createContext, type ReactNode, useContext, useMemo, useState } from 'react';
import { type Period, presetPeriod, validPeriod } from '../lib/period';

interface PeriodState {
  period: Period;
  setPeriod(p: Period): void;
  compare: boolean;
  setCompare(v: boolean): void;
}

const PeriodContext = createContext<PeriodState | null>(null);
const KEY = 'keel.period';

function initial(): Period {
  try {
    const p = JSON.parse(window.sessionStorage.getItem(KEY) ?? 'null') as Period | null;
    if (p && p.preset === 'custom' && validPeriod(p)) return p;
    if (p && p.preset !== 'custom') return presetPeriod(p.preset);
  } catch {
    // fall through to the default
  }
  return presetPeriod('month');
}

/** One period for every view, kept for the browser tab's session. */
export function PeriodProvider({ children }: { children: ReactNode }) {
  const [period, setPeriodState] = useState<Period>(initial);
  const [compare, setCompare] = useState(true);
  const value = useMemo(
    () => ({
      period,
      setPeriod(p: Period) {
        setPeriodState(p);
        try {
          window.sessionStorage.setItem(KEY, JSON.stringify(p));
        } catch {
          // not persisted
        }
      },
      compare,
      setCompare,
    }),
    [period, compare],
  );
  return <PeriodContext.Provider value={value}>{children}</PeriodContext.Provider>;
}

export function usePeriod(): PeriodState {
  const p = useContext(PeriodContext);
  if (!p) throw new Error('usePeriod outside PeriodProvider');
  return p;
}
