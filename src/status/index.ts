// Status rendering (pure): observed + desired + outcome → the files the
// status sink commits, and the commit message describing the change.

export { render, renderStatus, YamlMemo, type Rendered } from "./render.js";
export { ClusterViews, describeChange } from "./describe.js";
export { StatusMemo, type RenderWork } from "./status-memo.js";
export { sameData } from "./same-data.js";
export {
  summarise,
  syncState,
  isHealthy,
  type StatusModel,
  type ServiceSummary,
  type HostSummary,
} from "./summarise.js";
export {
  emptyEventLog,
  appendEvent,
  appendEvents,
  eventsOf,
  recentEvents,
  retainServices,
  type EventLog,
  type StatusEvent,
  type StatusEventKind,
} from "./event-log.js";
export { CLUSTER_FILE, serviceFile } from "./yaml-files.js";
export { MARKDOWN_FILE } from "./markdown.js";
export type * from "./types.js";
