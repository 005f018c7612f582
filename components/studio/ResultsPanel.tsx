'use client';

import { useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { HistoryPanel } from '@/components/history/HistoryPanel';
import { useRecordExperiments } from '@/components/history/useExperiments';
import { useZooIndex } from '@/components/hooks/useZoo';
import { diagnosticsPlan } from '@/lib/diagnostics/diagnosticsPlan';
import { DiagnosticsHeatmap } from '@/components/charts/DiagnosticsHeatmap';
import { NormalisedChart, normalisedRows } from '@/components/charts/NormalisedChart';
import { ScoresPanel } from '@/components/charts/ScoresPanel';
import { SkillRadarChart } from '@/components/charts/SkillRadarChart';
import { useSkillScores } from '@/components/charts/useSkillScores';

const TABS = ['Scores', 'Radar', 'Normalised', 'Diagnostics', 'History'] as const;
type Tab = (typeof TABS)[number];

const tabId = (tab: Tab) => `results-tab-${tab.toLowerCase()}`;
const panelId = (tab: Tab) => `results-panel-${tab.toLowerCase()}`;

/**
 * The results of the previewed merge, one tab each: score bars, a radar of the skills,
 * accuracy normalised by each skill's expert, task-vector diagnostics, and the history of
 * experiments. Scores are computed once here and shared; every scored recipe is recorded.
 * The Scores tab stays mounted when hidden, so its numbers are always in the page.
 */
export function ResultsPanel() {
  const scores = useSkillScores();
  const recordError = useRecordExperiments(scores);
  const zoo = useZooIndex();
  const [tab, setTab] = useState<Tab>('Scores');
  const tabs = useRef<Array<HTMLButtonElement | null>>([]);

  const zooModels = useMemo(() => zoo.data?.models ?? [], [zoo.data]);
  const { active, skills, series } = scores;

  const onKeyDown = (event: KeyboardEvent<HTMLButtonElement>) => {
    const at = TABS.indexOf(tab);
    const next =
      event.key === 'ArrowRight' ? (at + 1) % TABS.length : event.key === 'ArrowLeft' ? (at + TABS.length - 1) % TABS.length : event.key === 'Home' ? 0 : event.key === 'End' ? TABS.length - 1 : -1;
    if (next < 0) return;
    event.preventDefault();
    setTab(TABS[next]!);
    tabs.current[next]?.focus();
  };

  return (
    <div className="flex min-h-0 flex-col">
      <div role="tablist" aria-label="Results" className="flex gap-1 border-b border-slate-200 px-2 pt-1">
        {TABS.map((t, i) => (
          <button
            key={t}
            ref={(el) => {
              tabs.current[i] = el;
            }}
            type="button"
            role="tab"
            id={tabId(t)}
            aria-selected={tab === t}
            aria-controls={panelId(t)}
            tabIndex={tab === t ? 0 : -1}
            onClick={() => setTab(t)}
            onKeyDown={onKeyDown}
            className={`-mb-px rounded-t border px-2.5 py-1 text-xs font-medium ${
              tab === t ? 'border-slate-200 border-b-white bg-white text-indigo-700' : 'border-transparent text-slate-500 hover:text-slate-800'
            }`}
          >
            {t}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={panelId('Scores')} aria-labelledby={tabId('Scores')} hidden={tab !== 'Scores'} className="min-h-0 flex-1">
        <ScoresPanel scores={scores} />
      </div>
      {tab === 'Radar' ? (
        <div role="tabpanel" id={panelId('Radar')} aria-labelledby={tabId('Radar')} className="min-h-0 flex-1">
          <SkillRadarChart skills={skills} series={series} />
        </div>
      ) : null}
      {tab === 'Normalised' ? (
        <div role="tabpanel" id={panelId('Normalised')} aria-labelledby={tabId('Normalised')} className="min-h-0 flex-1">
          <NormalisedChart rows={normalisedRows(skills, series, active.sources, zooModels)} />
        </div>
      ) : null}
      {tab === 'Diagnostics' ? (
        <div role="tabpanel" id={panelId('Diagnostics')} aria-labelledby={tabId('Diagnostics')} className="min-h-0 flex-1">
          <DiagnosticsHeatmap plan={diagnosticsPlan(active.recipe, active.stage, zooModels)} />
        </div>
      ) : null}
      {tab === 'History' ? (
        <div role="tabpanel" id={panelId('History')} aria-labelledby={tabId('History')} className="min-h-0 flex-1">
          <HistoryPanel recordError={recordError} />
        </div>
      ) : null}
    </div>
  );
}
