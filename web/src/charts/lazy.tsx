import { type ComponentProps, lazy, Suspense } from 'react';
import type * as C from './Charts';

/** The chart components, loaded on first use so views without charts never download recharts. */
const load = () => import('./Charts');
const LazyDayLines = lazy(() => load().then((m) => ({ default: m.DayLines })));
const LazyDayBars = lazy(() => load().then((m) => ({ default: m.DayBars })));
const LazyCategoryBars = lazy(() => load().then((m) => ({ default: m.CategoryBars })));
const LazyBurnDown = lazy(() => load().then((m) => ({ default: m.BurnDown })));
const LazyDistribution = lazy(() => load().then((m) => ({ default: m.Distribution })));

function Placeholder() {
  return (
    <p className="loading chart" role="status">
      Drawing chart…
    </p>
  );
}

export function DayLines(p: ComponentProps<typeof C.DayLines>) {
  return (
    <Suspense fallback={<Placeholder />}>
      <LazyDayLines {...p} />
    </Suspense>
  );
}
export function DayBars(p: ComponentProps<typeof C.DayBars>) {
  return (
    <Suspense fallback={<Placeholder />}>
      <LazyDayBars {...p} />
    </Suspense>
  );
}
export function CategoryBars(p: ComponentProps<typeof C.CategoryBars>) {
  return (
    <Suspense fallback={<Placeholder />}>
      <LazyCategoryBars {...p} />
    </Suspense>
  );
}
export function BurnDown(p: ComponentProps<typeof C.BurnDown>) {
  return (
    <Suspense fallback={<Placeholder />}>
      <LazyBurnDown {...p} />
    </Suspense>
  );
}
export function Distribution(p: ComponentProps<typeof C.Distribution>) {
  return (
    <Suspense fallback={<Placeholder />}>
      <LazyDistribution {...p} />
    </Suspense>
  );
}
