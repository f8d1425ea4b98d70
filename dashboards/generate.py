#!/usr/bin/env python3
"""Writes the Grafana dashboards entra-pta-overview.json and
entra-pta-agent.json next to this file.

The JSON files are what Grafana loads (dashboards/provisioning/); this
script is their source, so that every panel gets the same conventions
(templated datasource, job and instance matchers, units, descriptions,
stable ids). Edit here, run `python3 dashboards/generate.py`, commit both.
tests/artefacts/test_dashboards.py fails when the JSON and this script
disagree. Standard library only.

Targets Grafana 10.4 and 11.x (schemaVersion 39).
"""

import json
import os

SCHEMA_VERSION = 39
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
SEL = 'job=~"$job",instance=~"$instance"'  # in every query


def sel(extra=""):
    """The label matchers every query carries, plus extra ones."""
    return "{" + SEL + ("," + extra if extra else "") + "}"


def target(expr, legend="", ref="A", table=False):
    t = {"refId": ref, "datasource": DATASOURCE, "expr": expr,
         "legendFormat": legend or "__auto"}
    if table:
        t.update({"format": "table", "instant": True, "range": False})
    else:
        t.update({"format": "time_series", "instant": False, "range": True})
    return t


def thresholds(*steps):
    """steps: (color, value) pairs; the first value is the base (None)."""
    return {"mode": "absolute",
            "steps": [{"color": c, "value": v} for c, v in steps]}


GREEN_BASE = thresholds(("green", None))
UP_DOWN = [{"type": "value", "options": {
    "0": {"text": "down", "color": "red", "index": 0},
    "1": {"text": "up", "color": "green", "index": 1}}}]


class Layout:
    """Places panels left to right, 24 grid units per row."""

    def __init__(self):
        self.x = 0
        self.y = 0
        self.row_h = 0
        self.next_id = 1

    def place(self, w, h):
        if self.x + w > 24:
            self.x, self.y, self.row_h = 0, self.y + self.row_h, 0
        pos = {"h": h, "w": w, "x": self.x, "y": self.y}
        self.x += w
        self.row_h = max(self.row_h, h)
        return pos

    def row(self, title):
        if self.x:
            self.x, self.y, self.row_h = 0, self.y + self.row_h, 0
        panel = {"id": self.next_id, "type": "row", "title": title,
                 "collapsed": False, "panels": [],
                 "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y}}
        self.next_id += 1
        self.y += 1
        return panel

    def panel(self, kind, title, description, unit, targets, w=12, h=8,
              defaults=None, options=None, overrides=None,
              transformations=None):
        field_defaults = {"unit": unit, "thresholds": GREEN_BASE,
                          "mappings": [], "color": {"mode": "palette-classic"}}
        field_defaults.update(defaults or {})
        panel = {
            "id": self.next_id, "type": kind, "title": title,
            "description": description, "datasource": DATASOURCE,
            "gridPos": self.place(w, h),
            "fieldConfig": {"defaults": field_defaults,
                            "overrides": overrides or []},
            "options": options or {}, "targets": targets,
        }
        if transformations:
            panel["transformations"] = transformations
        self.next_id += 1
        return panel


def timeseries_options():
    return {"legend": {"displayMode": "list", "placement": "bottom",
                       "showLegend": True},
            "tooltip": {"mode": "multi", "sort": "desc"}}


def stat_options():
    return {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "",
                              "values": False},
            "colorMode": "background", "graphMode": "area",
            "textMode": "auto", "justifyMode": "auto",
            "orientation": "auto"}


def table_options():
    return {"showHeader": True, "cellHeight": "sm",
            "footer": {"show": False, "reducer": ["sum"]}}


def state_timeline_options():
    return {"showValue": "auto", "mergeValues": True, "alignValue": "left",
            "rowHeight": 0.9,
            "legend": {"displayMode": "list", "placement": "bottom",
                       "showLegend": True},
            "tooltip": {"mode": "single", "sort": "none"}}


def organize(exclude=(), rename=None):
    return {"id": "organize", "options": {
        "excludeByName": {name: True for name in exclude},
        "renameByName": rename or {}}}


def matrix(row, column):
    return {"id": "groupingToMatrix", "options": {
        "rowField": row, "columnField": column, "valueField": "Value"}}


def color_background():
    return {"custom": {"cellOptions": {"type": "color-background"},
                       "align": "center"}}


def variables(single_instance):
    # Grafana's schema (tests/artefacts/test_grafana_schema.py) has no
    # `definition` on variables, and a `current` needs text and value: a
    # variable without a preset selection leaves `current` out.
    def query_var(name, query):
        variable = {
            "name": name, "label": name, "type": "query",
            "datasource": DATASOURCE, "query": query,
            "refresh": 2, "sort": 1, "multi": True, "includeAll": True,
            "allValue": ".+", "regex": "", "hide": 0,
            "current": {"selected": True, "text": ["All"],
                        "value": ["$__all"]},
            "options": [],
        }
        if single_instance and name == "instance":
            del variable["current"]
        return variable
    return {"list": [
        {"name": "datasource", "label": "Data source", "type": "datasource",
         "query": "prometheus", "regex": "", "hide": 0, "refresh": 1,
         "multi": False, "includeAll": False, "options": []},
        query_var("job", "label_values(entra_pta_exporter_build_info, job)"),
        query_var("instance", 'label_values(entra_pta_exporter_build_info{job=~"$job"}, instance)'),
    ]}


def dashboard(uid, title, description, panels, single_instance, links):
    return {
        "uid": uid, "title": title, "description": description,
        "tags": ["entra-pta", "entra-id", "pass-through-authentication"],
        "schemaVersion": SCHEMA_VERSION, "version": 1, "editable": True,
        "graphTooltip": 1, "timezone": "browser", "refresh": "1m",
        "time": {"from": "now-6h", "to": "now"},
        "timepicker": {}, "fiscalYearStartMonth": 0, "liveNow": False,
        "annotations": {"list": [{
            "builtIn": 1, "type": "dashboard", "name": "Annotations & Alerts",
            "datasource": {"type": "grafana", "uid": "-- Grafana --"},
            "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)"}]},
        "templating": variables(single_instance),
        "links": links, "panels": panels,
    }


def overview():
    L = Layout()
    p = []
    p.append(L.row("Tenant (Entra's own view)"))
    p.append(L.panel(
        "stat", "Active agents",
        "Agents Entra reports as active (Microsoft Graph, from the tenant-level "
        "exporter). Microsoft recommends at least 3; at 0 every hybrid sign-in fails.",
        "none",
        [target("max(entra_pta_cloud_agents%s)" % sel('status="active"'), "active")],
        w=4, defaults={"thresholds": thresholds(("red", None), ("orange", 1), ("green", 3)),
                       "color": {"mode": "thresholds"}},
        options=stat_options()))
    p.append(L.panel(
        "timeseries", "Active agents vs. the recommended 3",
        "Active and inactive agents over time as Entra reports them. The red "
        "line is Microsoft's recommended minimum of 3 active agents.",
        "none",
        [target("max by (status) (entra_pta_cloud_agents%s)" % sel(), "{{status}}")],
        w=10, defaults={
            "thresholds": thresholds(("transparent", None), ("red", 3)),
            "custom": {"thresholdsStyle": {"mode": "line"}, "fillOpacity": 10,
                       "lineWidth": 2, "drawStyle": "line"},
            "min": 0, "decimals": 0},
        options=timeseries_options()))
    p.append(L.panel(
        "stat", "Graph API",
        "Whether the tenant-level exporter could read the agent list from "
        "Microsoft Graph at its last refresh. When down, the cloud panels show old data.",
        "none",
        [target("min(entra_pta_cloud_api_up%s)" % sel(), "Graph API")],
        w=4, defaults={"mappings": UP_DOWN, "color": {"mode": "thresholds"},
                       "thresholds": thresholds(("red", None), ("green", 1))},
        options=stat_options()))
    p.append(L.panel(
        "stat", "Exporters up",
        "Exporters Prometheus scrapes successfully, out of all selected. "
        "A down exporter means no alerts for that server.",
        "percentunit",
        [target("avg(up%s)" % sel(), "up")],
        w=6, defaults={"thresholds": thresholds(("red", None), ("orange", 0.99), ("green", 1)),
                       "color": {"mode": "thresholds"}, "min": 0, "max": 1},
        options=stat_options()))
    p.append(L.panel(
        "table", "Agents in the tenant",
        "Every PTA agent registered in the tenant with Entra's status and when "
        "this exporter last saw it active. Inactive agents receive no sign-ins.",
        "none",
        [target("max by (machine_name, agent_id) (entra_pta_cloud_agent_active%s)" % sel(), ref="A", table=True),
         target("time() - max by (machine_name, agent_id) (entra_pta_cloud_agent_last_active_timestamp_seconds%s)" % sel(), ref="B", table=True)],
        w=12, h=9,
        defaults=color_background() | {"mappings": [{"type": "value", "options": {
            "0": {"text": "inactive", "color": "red", "index": 0},
            "1": {"text": "active", "color": "green", "index": 1}}}]},
        overrides=[{"matcher": {"id": "byName", "options": "Last seen active"},
                    "properties": [{"id": "unit", "value": "s"},
                                   {"id": "mappings", "value": []},
                                   {"id": "custom.cellOptions", "value": {"type": "auto"}}]}],
        options=table_options(),
        transformations=[{"id": "merge", "options": {}},
                         organize(exclude=["Time"], rename={
                             "machine_name": "Server", "agent_id": "Agent id",
                             "Value #A": "Status",
                             "Value #B": "Last seen active"})]))
    p.append(L.panel(
        "table", "Alerts firing",
        "EntraPTA* alerts Prometheus currently fires for the selected exporters. "
        "Each alert's runbook is in docs/runbooks.md.",
        "none",
        [target('max by (alertname, severity, instance) (ALERTS%s)' % sel('alertname=~"EntraPTA.*",alertstate="firing"'), table=True)],
        w=12, h=9, options=table_options(),
        overrides=[{"matcher": {"id": "byName", "options": "severity"},
                    "properties": [{"id": "custom.cellOptions", "value": {"type": "color-text"}},
                                   {"id": "mappings", "value": [{"type": "value", "options": {
                                       "critical": {"color": "red", "index": 0},
                                       "warning": {"color": "orange", "index": 1},
                                       "info": {"color": "blue", "index": 2}}}]}]}],
        transformations=[organize(exclude=["Time", "Value"])]))

    p.append(L.row("Sign-ins and directory sync (Entra's sign-in logs)"))
    p.append(L.panel(
        "timeseries", "PTA sign-in failures by code",
        "Sign-ins Entra's sign-in logs record as failed with a PTA error code, "
        "per code, from the tenant-level exporter (needs an Entra ID P1/P2 "
        "licence). 80001/80007: agent cannot reach AD; 80002/80014: timeouts; "
        "80010/80011: agent cannot decrypt; 80005: web exception; 80012: "
        "outside logon hours; 80013: time skew. Each code's meaning and fix: "
        "docs/runbooks.md.",
        "none",
        [target("sum by (code, reason) (increase(entra_pta_signin_failures_total%s[$__rate_interval]))" % sel(),
                "{{code}} {{reason}}")],
        w=12, defaults={
            "custom": {"drawStyle": "bars", "fillOpacity": 80, "lineWidth": 1,
                       "stacking": {"mode": "normal", "group": "A"}},
            "min": 0, "decimals": 0},
        options=timeseries_options()))
    p.append(L.panel(
        "timeseries", "Directory and password sync age",
        "Time since Entra last received a directory sync and a password hash "
        "sync from Entra Connect Sync (Microsoft Graph, organization). The red "
        "line is EntraPTADirectorySyncStale's 3 hours; the default sync cycle "
        "is 30 minutes. No password sync line where password hash sync is off.",
        "s",
        [target("time() - max(entra_pta_directory_sync_last_timestamp_seconds%s)" % sel(), "directory sync", ref="A"),
         target("time() - max(entra_pta_password_sync_last_timestamp_seconds%s)" % sel(), "password hash sync", ref="B")],
        w=8, defaults={
            "thresholds": thresholds(("transparent", None), ("red", 3 * 3600)),
            "custom": {"thresholdsStyle": {"mode": "line"}, "fillOpacity": 10,
                       "lineWidth": 2, "drawStyle": "line"},
            "min": 0},
        options=timeseries_options()))
    p.append(L.panel(
        "stat", "Sign-in logs and sync data",
        "Whether the tenant-level exporter can read Entra's sign-in logs and "
        "the organization's sync times; when not, the reason (not_licensed, "
        "forbidden, unauthorized, throttled, unreachable, bad_response).",
        "none",
        [target("max by (reason) (entra_pta_signin_logs_available%s)" % sel(), "sign-in logs: {{reason}}", ref="A"),
         target("max by (reason) (entra_pta_directory_sync_available%s)" % sel(), "sync data: {{reason}}", ref="B")],
        w=4, h=8, defaults={"mappings": [{"type": "value", "options": {
            "0": {"text": "unavailable", "color": "red", "index": 0},
            "1": {"text": "available", "color": "green", "index": 1}}}],
            "color": {"mode": "thresholds"},
            "thresholds": thresholds(("red", None), ("green", 1))},
        options=stat_options() | {"textMode": "value_and_name"}))

    p.append(L.row("Agent servers"))
    p.append(L.panel(
        "table", "Agent servers",
        "One row per agent server: its agent service, the newest heartbeat "
        "(any source) and whether the exporter is scraped. Entra marks an agent "
        "inactive after about 120 minutes without a heartbeat.",
        "none",
        [target("max by (instance) (entra_pta_service_state%s)" % sel('service="AzureADConnectAuthenticationAgent",state="running"'), ref="A", table=True),
         target("min by (instance) (entra_pta_agent_heartbeat_age_seconds%s)" % sel(), ref="B", table=True),
         target("max by (instance) (up%s)" % sel(), ref="C", table=True)],
        w=24, h=8, defaults=color_background(),
        overrides=[
            {"matcher": {"id": "byName", "options": "Agent service"},
             "properties": [{"id": "mappings", "value": [{"type": "value", "options": {
                 "0": {"text": "not running", "color": "red", "index": 0},
                 "1": {"text": "running", "color": "green", "index": 1}}}]}]},
            {"matcher": {"id": "byName", "options": "Heartbeat age"},
             "properties": [{"id": "unit", "value": "s"},
                            {"id": "thresholds", "value": thresholds(("green", None), ("orange", 1800), ("red", 7200))},
                            {"id": "color", "value": {"mode": "thresholds"}}]},
            {"matcher": {"id": "byName", "options": "Exporter"},
             "properties": [{"id": "mappings", "value": UP_DOWN}]}],
        options=table_options(),
        transformations=[{"id": "merge", "options": {}},
                         organize(exclude=["Time"], rename={
                             "instance": "Server", "Value #A": "Agent service",
                             "Value #B": "Heartbeat age", "Value #C": "Exporter"})]))
    p.append(L.panel(
        "table", "Endpoint reachability per agent server",
        "Can each agent server reach each endpoint the PTA agent needs (HTTPS "
        "443, revocation hosts on 80), probed from the server itself through the "
        "agent's proxy. Rows: servers; columns: endpoints.",
        "none",
        [target("max by (instance, endpoint) (entra_pta_endpoint_up%s)" % sel(), table=True)],
        w=12, h=9, defaults=color_background() | {"mappings": UP_DOWN},
        options=table_options(), transformations=[matrix("instance", "endpoint")]))
    p.append(L.panel(
        "table", "TLS interception",
        "For each HTTPS endpoint: is the certificate chain the one Microsoft "
        "serves (genuine) or re-signed by an SSL-inspection device (intercepted)? "
        "Interception breaks the agent's certificate-based connection.",
        "none",
        [target("max by (instance, endpoint, issuer) (entra_pta_tls_issuer_match%s * on (job, instance, endpoint) group_left (issuer) entra_pta_tls_cert_info%s)" % (sel(), sel()), table=True)],
        w=12, h=9,
        defaults=color_background() | {"mappings": [{"type": "value", "options": {
            "0": {"text": "intercepted", "color": "red", "index": 0},
            "1": {"text": "genuine", "color": "green", "index": 1}}}]},
        options=table_options(),
        transformations=[organize(exclude=["Time"], rename={
            "instance": "Server", "endpoint": "Endpoint", "issuer": "Issuer seen",
            "Value": "Chain"})]))
    p.append(L.panel(
        "table", "Collectors per exporter",
        "Whether each collector of each exporter succeeded in the last scrape. "
        "A failing collector's reason is on the exporter's landing page.",
        "none",
        [target("max by (instance, collector) (entra_pta_scrape_collector_success%s)" % sel(), table=True)],
        w=24, h=7,
        defaults=color_background() | {"mappings": [{"type": "value", "options": {
            "0": {"text": "failing", "color": "red", "index": 0},
            "1": {"text": "ok", "color": "green", "index": 1}}}]},
        options=table_options(), transformations=[matrix("instance", "collector")]))
    return dashboard(
        "entra-pta-overview", "Entra PTA / Overview",
        "Tenant view of Microsoft Entra ID Pass-through Authentication: active "
        "agents, PTA sign-in failures by code and directory sync age, every "
        "agent server's health, endpoint reachability and SSL inspection, "
        "firing alerts.", p, False,
        [{"title": "Agent server", "type": "link", "url": "/d/entra-pta-agent/entra-pta-agent-server?${__url_time_range}&${datasource:queryparam}&${job:queryparam}",
          "icon": "dashboard", "targetBlank": False, "asDropdown": False,
          "includeVars": False, "keepTime": False, "tags": [], "tooltip": ""}])


def agent():
    L = Layout()
    p = []
    p.append(L.row("Services and heartbeat"))
    p.append(L.panel(
        "state-timeline", "Agent and updater service",
        "Whether the AzureADConnectAuthenticationAgent and "
        "AzureADConnectAgentUpdater services (and ADSync, where Entra Connect "
        "Sync runs on the same server) are running (Service Control Manager).",
        "none",
        [target("max by (instance, service) (entra_pta_service_state%s)" % sel('state="running"'), "{{instance}} {{service}}")],
        w=12, h=7, defaults={"mappings": [{"type": "value", "options": {
            "0": {"text": "not running", "color": "red", "index": 0},
            "1": {"text": "running", "color": "green", "index": 1}}}],
            "color": {"mode": "thresholds"},
            "thresholds": thresholds(("red", None), ("green", 1))},
        options=state_timeline_options()))
    p.append(L.panel(
        "timeseries", "Heartbeat age by source",
        "Time since the newest sign of life from the agent, per source (trace "
        "log, cloud, bootstrap probe). Entra marks the agent inactive at 120 "
        "minutes (red line); the early warning is at 30 minutes.",
        "s",
        [target("entra_pta_agent_heartbeat_age_seconds%s" % sel(), "{{instance}} {{source}}")],
        w=12, h=7, defaults={
            "thresholds": thresholds(("transparent", None), ("orange", 1800), ("red", 7200)),
            "custom": {"thresholdsStyle": {"mode": "line"}, "lineWidth": 2}, "min": 0},
        options=timeseries_options()))
    p.append(L.panel(
        "timeseries", "Agent process starts per hour",
        "How often the agent's process started in the hour before each point "
        "(changes of its start time). More than 3 means it keeps crashing.",
        "none",
        [target("changes(entra_pta_service_process_start_time_seconds%s[1h])" % sel('service="AzureADConnectAuthenticationAgent"'), "{{instance}}")],
        w=8, h=7, defaults={
            "thresholds": thresholds(("transparent", None), ("red", 3.5)),
            "custom": {"thresholdsStyle": {"mode": "line"}, "drawStyle": "bars", "fillOpacity": 60},
            "min": 0, "decimals": 0},
        options=timeseries_options()))
    p.append(L.panel(
        "timeseries", "Service uptime",
        "Time since each service's process started.",
        "s",
        [target("time() - entra_pta_service_process_start_time_seconds%s" % sel(), "{{instance}} {{service}}")],
        w=8, h=7, defaults={"min": 0}, options=timeseries_options()))
    p.append(L.panel(
        "timeseries", "Service memory (working set)",
        "Working set of each service's process. Steady growth is a sign of a "
        "hung or leaking agent, one of the known field failures.",
        "bytes",
        [target("entra_pta_service_process_memory_bytes%s" % sel(), "{{instance}} {{service}}")],
        w=8, h=7, defaults={"min": 0}, options=timeseries_options()))

    p.append(L.row("Agent events"))
    p.append(L.panel(
        "timeseries", "Agent events per second by ID",
        "Rate of events in the agent's Admin event logs, by event ID. 31019 "
        "(domain controller unreachable, red) and 31034 (Microsoft cloud "
        "unreachable, orange) are highlighted.",
        "cps",
        [target("sum by (instance, event_id) (rate(entra_pta_events_total%s[$__rate_interval]))" % sel(), "{{event_id}} ({{instance}})")],
        w=16, h=8, defaults={"min": 0, "custom": {"lineWidth": 1, "fillOpacity": 0}},
        overrides=[
            {"matcher": {"id": "byRegexp", "options": "^31019 .*"},
             "properties": [{"id": "color", "value": {"mode": "fixed", "fixedColor": "red"}},
                            {"id": "custom.lineWidth", "value": 3}]},
            {"matcher": {"id": "byRegexp", "options": "^31034 .*"},
             "properties": [{"id": "color", "value": {"mode": "fixed", "fixedColor": "orange"}},
                            {"id": "custom.lineWidth", "value": 3}]}],
        options=timeseries_options()))
    p.append(L.panel(
        "stat", "Time since last 31019 / 31034",
        "How long ago the agent last logged event 31019 (domain controller "
        "unreachable) and 31034 (Microsoft cloud unreachable). Empty: never "
        "seen since the exporter started.",
        "s",
        [target("time() - max by (event_id) (entra_pta_event_last_timestamp_seconds%s)" % sel('event_id=~"31019|31034"'), "{{event_id}}")],
        w=8, h=8, defaults={"thresholds": thresholds(("red", None), ("orange", 900), ("green", 86400)),
                            "color": {"mode": "thresholds"}},
        options=stat_options()))

    p.append(L.row("Network to Microsoft"))
    p.append(L.panel(
        "timeseries", "Endpoint latency by phase",
        "Time each phase of a request to each endpoint takes from this server "
        "(dns, connect, tls, first_byte), through the agent's proxy. The slow "
        "phase points at the slow hop.",
        "s",
        [target("max by (endpoint, phase) (entra_pta_endpoint_duration_seconds%s)" % sel('phase!="total"'), "{{endpoint}} {{phase}}")],
        w=12, h=8, defaults={"min": 0}, options=timeseries_options()))
    p.append(L.panel(
        "state-timeline", "Endpoint reachability",
        "Whether each endpoint the agent needs answered from this server.",
        "none",
        [target("max by (endpoint) (entra_pta_endpoint_up%s)" % sel(), "{{endpoint}}")],
        w=12, h=8, defaults={"mappings": UP_DOWN, "color": {"mode": "thresholds"},
                             "thresholds": thresholds(("red", None), ("green", 1))},
        options=state_timeline_options()))
    p.append(L.panel(
        "table", "TLS certificate seen per endpoint",
        "The certificate this server receives for each HTTPS endpoint, and "
        "whether its issuer and root are Microsoft's (genuine) or an "
        "SSL-inspection device's (intercepted).",
        "none",
        [target("max by (endpoint, issuer, root) (entra_pta_tls_issuer_match%s * on (job, instance, endpoint) group_left (issuer, root) entra_pta_tls_cert_info%s)" % (sel(), sel()), table=True)],
        w=24, h=7,
        defaults=color_background() | {"mappings": [{"type": "value", "options": {
            "0": {"text": "intercepted", "color": "red", "index": 0},
            "1": {"text": "genuine", "color": "green", "index": 1}}}]},
        options=table_options(),
        transformations=[organize(exclude=["Time"], rename={
            "endpoint": "Endpoint", "issuer": "Issuer", "root": "Root",
            "Value": "Chain"})]))

    p.append(L.row("Agent version and certificate"))
    p.append(L.panel(
        "stat", "Agent client certificate expires in",
        "Time left on the agent's client certificate. The agent renews it 30 "
        "days ahead; under 20 days means renewal is failing, and Entra deletes "
        "an agent whose certificate expires.",
        "s",
        [target("min by (instance) (entra_pta_agent_certificate_not_after_timestamp_seconds%s) - time()" % sel(), "{{instance}}")],
        w=8, h=6, defaults={"thresholds": thresholds(("red", None), ("orange", 7 * 86400), ("green", 20 * 86400)),
                            "color": {"mode": "thresholds"}},
        options=stat_options()))
    p.append(L.panel(
        "stat", "Agent binary age",
        "Age of the installed agent executable. The updater keeps it current; "
        "older than 12 months means it stopped doing so.",
        "s",
        [target("time() - max by (instance) (entra_pta_agent_binary_timestamp_seconds%s)" % sel(), "{{instance}}")],
        w=8, h=6, defaults={"thresholds": thresholds(("green", None), ("orange", 365 * 86400)),
                            "color": {"mode": "thresholds"}},
        options=stat_options()))
    p.append(L.panel(
        "table", "Agent version",
        "The installed agent's file version and its registration ids.",
        "none",
        [target("max by (instance, version, instance_id, tenant_id) (entra_pta_agent_info%s)" % sel(), table=True)],
        w=8, h=6, options=table_options(),
        transformations=[organize(exclude=["Time", "Value"], rename={
            "instance": "Server", "version": "Version",
            "instance_id": "Agent instance id", "tenant_id": "Tenant id"})]))

    p.append(L.row("Domain controllers"))
    p.append(L.panel(
        "state-timeline", "Domain controller reachability",
        "Whether this server can open TCP connections to each discovered "
        "domain controller on LDAP (389) and Kerberos (88). The agent validates "
        "every password against a DC.",
        "none",
        [target("max by (dc, port) (entra_pta_dc_up%s)" % sel(), "{{dc}}:{{port}}")],
        w=12, h=8, defaults={"mappings": UP_DOWN, "color": {"mode": "thresholds"},
                             "thresholds": thresholds(("red", None), ("green", 1))},
        options=state_timeline_options()))
    p.append(L.panel(
        "timeseries", "Domain controller connect time",
        "TCP connect time to each domain controller and port, and the DNS SRV "
        "lookup that finds them.",
        "s",
        [target("max by (dc, port) (entra_pta_dc_connect_duration_seconds%s)" % sel(), "{{dc}}:{{port}}", ref="A"),
         target("max by (domain) (entra_pta_dns_lookup_duration_seconds%s)" % sel(), "DNS SRV {{domain}}", ref="B")],
        w=8, h=8, defaults={"min": 0}, options=timeseries_options()))
    p.append(L.panel(
        "stat", "Domain controllers discovered",
        "Number of domain controllers the DNS SRV lookup returns. 0: the "
        "agent cannot find any.",
        "none",
        [target("max by (domain) (entra_pta_dc_discovered%s)" % sel(), "{{domain}}")],
        w=4, h=8, defaults={"thresholds": thresholds(("red", None), ("orange", 1), ("green", 2)),
                            "color": {"mode": "thresholds"}, "decimals": 0},
        options=stat_options()))

    p.append(L.row("Exporter"))
    p.append(L.panel(
        "timeseries", "Collector duration",
        "How long each collector took per scrape. A collector near the scrape "
        "timeout risks being cut off.",
        "s",
        [target("entra_pta_scrape_collector_duration_seconds%s" % sel(), "{{instance}} {{collector}}")],
        w=12, h=7, defaults={"min": 0}, options=timeseries_options()))
    p.append(L.panel(
        "state-timeline", "Collector success",
        "Whether each collector succeeded; the reason for a failure is on the "
        "exporter's landing page and in its log.",
        "none",
        [target("entra_pta_scrape_collector_success%s" % sel(), "{{instance}} {{collector}}")],
        w=12, h=7, defaults={"mappings": [{"type": "value", "options": {
            "0": {"text": "failing", "color": "red", "index": 0},
            "1": {"text": "ok", "color": "green", "index": 1}}}],
            "color": {"mode": "thresholds"},
            "thresholds": thresholds(("red", None), ("green", 1))},
        options=state_timeline_options()))
    return dashboard(
        "entra-pta-agent", "Entra PTA / Agent server",
        "One PTA agent server: its services, heartbeat, agent events, network "
        "path to Microsoft, certificate and version, domain controllers.", p,
        True,
        [{"title": "Overview", "type": "link", "url": "/d/entra-pta-overview/entra-pta-overview?${__url_time_range}&${datasource:queryparam}&${job:queryparam}",
          "icon": "dashboard", "targetBlank": False, "asDropdown": False,
          "includeVars": False, "keepTime": False, "tags": [], "tooltip": ""}])


def render(board):
    return json.dumps(board, indent=2, ensure_ascii=False) + "\n"


DASHBOARDS = {"entra-pta-overview.json": overview,
              "entra-pta-agent.json": agent}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    for name, build in DASHBOARDS.items():
        with open(os.path.join(here, name), "w", encoding="utf-8") as f:
            f.write(render(build()))


if __name__ == "__main__":
    main()
