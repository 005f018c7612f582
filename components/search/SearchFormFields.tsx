'use client';

import { useId, type ReactNode } from 'react';
import { FUSION_METHODS, type FusionMethod } from '@/lib/search/layerwiseSpace';
import type { FieldIssues, KnobField, SearchForm, SearchFormField } from '@/lib/search/searchForm';

interface ControlProps {
  id: string;
  'aria-invalid': boolean;
  'aria-describedby': string | undefined;
}

const input = 'w-16 rounded border border-slate-300 px-1 py-0.5 text-right font-mono text-xs aria-[invalid=true]:border-red-500';
const select = 'rounded border border-slate-300 px-1 py-0.5 text-xs';

/** A labelled control with its issues under it, tied to the control for screen readers. */
function Field({ label, field, issues, children, hint }: { label: string; field: SearchFormField; issues: FieldIssues; children: (props: ControlProps) => ReactNode; hint?: string }) {
  const id = useId();
  const problems = issues[field] ?? [];
  const describedBy = problems.length > 0 ? `${id}-issues` : hint ? `${id}-hint` : undefined;
  return (
    <div className="text-xs">
      <div className="flex items-center justify-between gap-2">
        <label htmlFor={id} className="text-slate-700">
          {label}
        </label>
        {children({ id, 'aria-invalid': problems.length > 0, 'aria-describedby': describedBy })}
      </div>
      {problems.length > 0 ? (
        <ul id={`${id}-issues`} className="mt-0.5 text-[11px] text-red-700">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      ) : hint ? (
        <p id={`${id}-hint`} className="mt-0.5 text-[11px] text-slate-500">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

/** Issues of a group of checkboxes or radios, announced with the group. */
function GroupIssues({ id, problems }: { id: string; problems: readonly string[] | undefined }) {
  if (!problems || problems.length === 0) return null;
  return (
    <ul id={id} className="text-[11px] text-red-700">
      {problems.map((p) => (
        <li key={p}>{p}</li>
      ))}
    </ul>
  );
}

function KnobEditor({ label, field, knob, issues, onChange }: { label: string; field: SearchFormField; knob: KnobField; issues: FieldIssues; onChange(knob: KnobField): void }) {
  const id = useId();
  const problems = issues[field] ?? [];
  const invalid = problems.length > 0;
  const describedBy = invalid ? `${id}-issues` : undefined;
  return (
    <div className="text-xs">
      <div className="flex flex-wrap items-center justify-between gap-1">
        <span className="text-slate-700" id={`${id}-label`}>
          {label}
        </span>
        <span className="flex items-center gap-1">
          <select className={select} aria-label={`${label}: free or fixed`} value={knob.free ? 'free' : 'fixed'} onChange={(e) => onChange({ ...knob, free: e.target.value === 'free' })}>
            <option value="free">searched in</option>
            <option value="fixed">fixed at</option>
          </select>
          {knob.free ? (
            <>
              <input className={input} aria-label={`${label} from`} aria-invalid={invalid} aria-describedby={describedBy} inputMode="decimal" value={knob.low} onChange={(e) => onChange({ ...knob, low: e.target.value })} />
              <span aria-hidden="true">–</span>
              <input className={input} aria-label={`${label} to`} aria-invalid={invalid} aria-describedby={describedBy} inputMode="decimal" value={knob.high} onChange={(e) => onChange({ ...knob, high: e.target.value })} />
            </>
          ) : (
            <input className={input} aria-label={`${label} value`} aria-invalid={invalid} aria-describedby={describedBy} inputMode="decimal" value={knob.value} onChange={(e) => onChange({ ...knob, value: e.target.value })} />
          )}
        </span>
      </div>
      <GroupIssues id={`${id}-issues`} problems={problems} />
    </div>
  );
}

/** The form's free-text fields: what the user typed, checked when the config is built. */
type TextField = { [K in keyof SearchForm]: string extends SearchForm[K] ? K : never }[keyof SearchForm] & SearchFormField;

/** A select's value as one of its known options (the options are the only values it can have). */
function oneOf<T extends string>(options: readonly T[], value: string, fallback: T): T {
  return options.find((o) => o === value) ?? fallback;
}

const OBJECTIVES = ['mean', 'skill', 'pareto'] as const;
const OPTIMIZERS = ['hyperband', 'random', 'cmaes'] as const;

interface Props {
  form: SearchForm;
  issues: FieldIssues;
  experts: ReadonlyArray<{ id: string; skill: string }>;
  bases: readonly string[];
  skills: readonly string[];
  disabled: boolean;
  onChange(form: SearchForm): void;
}

/** The search's settings: models, space, objective, optimiser, budget (or Hi-Merging's own). */
export function SearchFormFields({ form, issues, experts, bases, skills, disabled, onChange }: Props) {
  const ids = useId();
  const set = <K extends keyof SearchForm>(key: K, value: SearchForm[K]) => onChange({ ...form, [key]: value });
  const text = (key: TextField) => (props: ControlProps) => (
    <input {...props} className={input} inputMode="decimal" value={form[key]} onChange={(e) => set(key, e.target.value)} />
  );
  const toggleExpert = (id: string) => set('experts', form.experts.includes(id) ? form.experts.filter((e) => e !== id) : experts.map((e) => e.id).filter((e) => e === id || form.experts.includes(e)));
  const toggleMethod = (m: FusionMethod) => set('methods', form.methods.includes(m) ? form.methods.filter((x) => x !== m) : FUSION_METHODS.filter((x) => x === m || form.methods.includes(x)));
  const search = form.mode === 'search';
  // A new objective starts from the chosen experts' first skills rather than from nothing.
  const chooseObjective = (objective: SearchForm['objective']) =>
    onChange({
      ...form,
      objective,
      skill: skills.includes(form.skill) ? form.skill : (skills[0] ?? ''),
      paretoSkills: form.paretoSkills.every((s) => skills.includes(s)) && form.paretoSkills[0] !== form.paretoSkills[1] ? form.paretoSkills : [skills[0] ?? '', skills[1] ?? ''],
    });

  return (
    <fieldset disabled={disabled} className="space-y-3 disabled:opacity-60">
      <legend className="sr-only">Search settings</legend>
      <fieldset className="space-y-1" aria-describedby={issues.experts ? `${ids}-experts` : undefined}>
        <legend className="text-xs font-semibold text-slate-600">Experts</legend>
        <div className="grid grid-cols-2 gap-x-2">
          {experts.map((e) => (
            <label key={e.id} className="flex items-center gap-1 text-xs">
              <input type="checkbox" checked={form.experts.includes(e.id)} onChange={() => toggleExpert(e.id)} />
              {e.id} <span className="text-slate-500">({e.skill})</span>
            </label>
          ))}
        </div>
        <GroupIssues id={`${ids}-experts`} problems={issues.experts} />
      </fieldset>
      <Field label="Base model" field="base" issues={issues}>
        {(props) => (
          <select {...props} className={select} value={form.base} onChange={(e) => set('base', e.target.value)}>
            {bases.map((b) => (
              <option key={b}>{b}</option>
            ))}
          </select>
        )}
      </Field>

      {search ? (
        <>
          <fieldset className="space-y-2 rounded border border-slate-200 p-2">
            <legend className="px-1 text-xs font-semibold text-slate-600">Search space</legend>
            <div className="flex gap-3 text-xs" role="radiogroup" aria-label="Search space">
              <label className="flex items-center gap-1">
                <input type="radio" name={`${ids}-space`} checked={form.space === 'layerwise'} onChange={() => set('space', 'layerwise')} />
                layer-wise fusion
              </label>
              <label className="flex items-center gap-1">
                <input type="radio" name={`${ids}-space`} checked={form.space === 'depthwise'} onChange={() => set('space', 'depthwise')} />
                depth-wise stacking
              </label>
            </div>
            {form.space === 'layerwise' ? (
              <>
                <Field label="Layers per group" field="groupSize" issues={issues} hint="each group of layers gets its own method and values">
                  {text('groupSize')}
                </Field>
                <label className="flex items-center gap-1 text-xs">
                  <input type="checkbox" checked={form.tensorGroups} onChange={(e) => set('tensorGroups', e.target.checked)} />
                  separate values for attention, MLP and the rest
                </label>
                <fieldset aria-describedby={issues.methods ? `${ids}-methods` : undefined}>
                  <legend className="text-xs text-slate-700">Methods</legend>
                  <div className="grid grid-cols-2 gap-x-2">
                    {FUSION_METHODS.map((m) => (
                      <label key={m} className="flex items-center gap-1 font-mono text-[11px]">
                        <input type="checkbox" checked={form.methods.includes(m)} onChange={() => toggleMethod(m)} />
                        {m}
                      </label>
                    ))}
                  </div>
                  <GroupIssues id={`${ids}-methods`} problems={issues.methods} />
                </fieldset>
                <KnobEditor label="Weight" field="weight" knob={form.weight} issues={issues} onChange={(k) => set('weight', k)} />
                <KnobEditor label="Density" field="density" knob={form.density} issues={issues} onChange={(k) => set('density', k)} />
                <KnobEditor label="Lambda" field="lambda" knob={form.lambda} issues={issues} onChange={(k) => set('lambda', k)} />
              </>
            ) : (
              <>
                <label className="flex items-center gap-1 text-xs">
                  <input type="checkbox" checked={form.baseAsSource} onChange={(e) => set('baseAsSource', e.target.checked)} />
                  the base’s layers are candidates too
                </label>
                <div className="flex gap-3 text-xs" role="radiogroup" aria-label="Layers per slot">
                  <label className="flex items-center gap-1">
                    <input type="radio" name={`${ids}-selection`} checked={form.selection === 'one'} onChange={() => set('selection', 'one')} />
                    one source per slot
                  </label>
                  <label className="flex items-center gap-1">
                    <input type="radio" name={`${ids}-selection`} checked={form.selection === 'subset'} onChange={() => set('selection', 'subset')} />
                    any subset, stacked
                  </label>
                </div>
                <KnobEditor label="Output scale" field="scale" knob={form.scale} issues={issues} onChange={(k) => set('scale', k)} />
              </>
            )}
          </fieldset>

          <fieldset className="space-y-2 rounded border border-slate-200 p-2" aria-describedby={issues.objective ? `${ids}-objective` : undefined}>
            <legend className="px-1 text-xs font-semibold text-slate-600">Objective (dev split)</legend>
            <select className={select} aria-label="Objective" value={form.objective} onChange={(e) => chooseObjective(oneOf(OBJECTIVES, e.target.value, 'mean'))}>
              <option value="mean">mean of the chosen experts’ skills</option>
              <option value="skill">one skill</option>
              <option value="pareto">Pareto front of two skills</option>
            </select>
            {form.objective === 'skill' ? (
              <select className={`${select} ml-2`} aria-label="Skill to maximise" value={form.skill} onChange={(e) => set('skill', e.target.value)}>
                <option value="">choose…</option>
                {skills.map((s) => (
                  <option key={s}>{s}</option>
                ))}
              </select>
            ) : null}
            {form.objective === 'pareto' ? (
              <div className="flex gap-2">
                {([0, 1] as const).map((i) => (
                  <select
                    key={i}
                    className={select}
                    aria-label={i === 0 ? 'First skill' : 'Second skill'}
                    value={form.paretoSkills[i]}
                    onChange={(e) => set('paretoSkills', i === 0 ? [e.target.value, form.paretoSkills[1]] : [form.paretoSkills[0], e.target.value])}
                  >
                    <option value="">choose…</option>
                    {skills.map((s) => (
                      <option key={s}>{s}</option>
                    ))}
                  </select>
                ))}
              </div>
            ) : null}
            <GroupIssues id={`${ids}-objective`} problems={issues.objective} />
          </fieldset>

          <fieldset className="space-y-2 rounded border border-slate-200 p-2">
            <legend className="px-1 text-xs font-semibold text-slate-600">Optimiser</legend>
            <select className={select} aria-label="Optimiser" value={form.optimizer} onChange={(e) => set('optimizer', oneOf(OPTIMIZERS, e.target.value, 'hyperband'))}>
              <option value="hyperband">multi-fidelity: Hyperband with TPE</option>
              <option value="random">random search</option>
              <option value="cmaes">CMA-ES</option>
            </select>
            {form.optimizer === 'hyperband' ? (
              <>
                <Field label="η (keep 1 in η per rung)" field="eta" issues={issues}>
                  {text('eta')}
                </Field>
                <Field label="Fewest examples per skill" field="minFidelity" issues={issues} hint="the first rung scores on this many, the last on the maximum">
                  {text('minFidelity')}
                </Field>
              </>
            ) : null}
          </fieldset>

          <Field label="Budget (examples in all)" field="budget" issues={issues}>
            {text('budget')}
          </Field>
          <Field label="Max examples per skill" field="maxFidelity" issues={issues}>
            {text('maxFidelity')}
          </Field>
          <Field label="Seed" field="seed" issues={issues} hint="the same seed gives the same trials">
            {text('seed')}
          </Field>
        </>
      ) : (
        <fieldset className="space-y-2 rounded border border-slate-200 p-2">
          <legend className="px-1 text-xs font-semibold text-slate-600">Hi-Merging</legend>
          <p className="text-[11px] text-slate-500">
            Prunes and scales each expert (TIES without normalisation), measures how much of each layer’s contribution the merge destroys, and damps the other experts at the worst layers.
          </p>
          <Field label="Densities to try" field="densities" issues={issues}>
            {(props) => <input {...props} className={`${input} w-28`} value={form.densities} onChange={(e) => set('densities', e.target.value)} />}
          </Field>
          <Field label="Weights to try" field="weights" issues={issues}>
            {(props) => <input {...props} className={`${input} w-28`} value={form.weights} onChange={(e) => set('weights', e.target.value)} />}
          </Field>
          <Field label="Reductions at a conflict" field="reductions" issues={issues}>
            {(props) => <input {...props} className={`${input} w-28`} value={form.reductions} onChange={(e) => set('reductions', e.target.value)} />}
          </Field>
          <Field label="Conflicts to resolve" field="maxSteps" issues={issues}>
            {text('maxSteps')}
          </Field>
          <Field label="Examples per skill, each step" field="hiFidelity" issues={issues}>
            {text('hiFidelity')}
          </Field>
          <Field label="Examples per skill, final score" field="hiMaxFidelity" issues={issues}>
            {text('hiMaxFidelity')}
          </Field>
        </fieldset>
      )}
    </fieldset>
  );
}
