// The type a dashboard JSON file must have, built from Grafana's published
// schema (@grafana/schema: TypeScript types generated from the CUE schema
// in Grafana's source tree). tests/artefacts/test_grafana_schema.py
// compiles each dashboard, pasted as an object literal, against it with
// `tsc --noEmit`, once per Grafana version: the tsconfig maps
// "@grafana/schema" to that version's package. Object literals get
// TypeScript's excess-property check, so an unknown field fails as well as
// a field of the wrong type.
//
// Required fields: the test compiles against a copy of the package's
// declarations in which optional-defaults.js has made every property that
// has a CUE default optional (cuetsy declares them required), so a missing
// property is an error exactly when the schema requires it without default.
import type {
  Dashboard,
  FieldConfig,
  FieldConfigSource,
  Panel,
  RowPanel,
} from "@grafana/schema";
import type * as stat from "@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen";
import type * as stateTimeline from "@grafana/schema/dist/esm/raw/composable/statetimeline/panelcfg/x/StateTimelinePanelCfg_types.gen";
import type * as table from "@grafana/schema/dist/esm/raw/composable/table/panelcfg/x/TablePanelCfg_types.gen";
import type * as timeSeries from "@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen";

// Grafana's types spell enumerations as TypeScript string enums
// (ThresholdsMode, GraphDrawStyle, ...), which a string literal cannot be
// assigned to; JSON carries the enum's values. Json<T> replaces every
// string enum by the union of its values and keeps everything else.
// Numeric enums stay: a number literal that is one of their values is
// assignable, any other number is not.
type Json<T> = 0 extends 1 & T
  ? T
  : T extends string
    ? string extends T
      ? string
      : `${T}`
    : T extends number | boolean | null | undefined
      ? T
      : T extends readonly (infer Element)[]
        ? Json<Element>[]
        : T extends object
          ? { [Key in keyof T]: Json<T[Key]> }
          : T;

// A panel of one plugin: its `options` and `fieldConfig.defaults.custom`
// are checked against that plugin's own schema (panelcfg), not left as
// Record<string, unknown> as in the generic Panel.
type PluginPanel<Type extends string, Options, Custom> = Omit<
  Panel,
  "type" | "options" | "fieldConfig"
> & {
  type: Type;
  options?: Options;
  fieldConfig?: Omit<FieldConfigSource, "defaults"> & {
    defaults: Omit<FieldConfig, "custom"> & { custom?: Custom };
  };
};

// The panel types our dashboards use; any other `type` is an error, so a
// new panel type needs its schema added here first.
export type CheckedPanel =
  | Json<PluginPanel<"stat", stat.Options, Record<string, never>>>
  | Json<PluginPanel<"timeseries", timeSeries.Options, timeSeries.FieldConfig>>
  | Json<PluginPanel<"table", table.Options, table.FieldConfig>>
  | Json<
      PluginPanel<
        "state-timeline",
        stateTimeline.Options,
        stateTimeline.FieldConfig
      >
    >;

export type CheckedRow = Json<Omit<RowPanel, "panels">> & {
  panels?: CheckedPanel[];
};

export type CheckedDashboard = Json<Omit<Dashboard, "panels">> & {
  panels?: (CheckedPanel | CheckedRow)[];
};
