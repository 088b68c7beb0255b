/**
 * The `semconv_*` jq helpers weaver.yaml filters call (Weaver's defaults/jq/semconv.jq, as its
 * documentation describes them), written here in our own words. Options, all optional:
 * `stable_only`, `exclude_stability` (a list; "experimental" stands for every non-stable level),
 * `exclude_deprecated`, `exclude_root_namespace` (a list), `ignore_code_generation_annotations`
 * (by default an item annotated `code_generation: { exclude: true }` is left out). The same options
 * apply to a signal's own attributes (but `exclude_root_namespace` only to the signals).
 * Not supported: the `v2` option (Weaver's v2 resolved schema).
 */
export const SEMCONV_JQ = `
def _wg_levels($xs):
  if ($xs | index("experimental")) then $xs + ["development", "alpha", "beta", "release_candidate", "", null] else $xs end;
def _wg_keep_items(f):
  map(select(f)) | map(if (.type | type) == "object" and (.type | has("members")) then .type.members |= map(select(f)) else . end);
def _wg_filter($o):
  (if $o.stable_only == true then _wg_keep_items(.stability == "stable") else . end)
  | (if ($o | has("exclude_stability")) then _wg_levels($o.exclude_stability) as $ex | _wg_keep_items(.stability as $s | ($ex | index([$s])) == null) else . end)
  | (if ($o | has("ignore_code_generation_annotations")) then . else _wg_keep_items((.annotations.code_generation.exclude // false) != true) end)
  | (if $o.exclude_deprecated == true then _wg_keep_items(has("deprecated") | not) else . end);
def _wg_drop_roots($o):
  if ($o | has("exclude_root_namespace")) then map(select(.root_namespace as $r | ($o.exclude_root_namespace | index([$r])) == null)) else . end;
def _wg_name_or_key: if has("name") then .name else .key end;
def _wg_by_root($plural; key):
  group_by(.root_namespace) | map({root_namespace: .[0].root_namespace, ($plural): sort_by(key)});

def semconv_attributes($options):
  [.groups[] | select(.type == "attribute_group" and (.id | startswith("registry."))) | (.attributes // [])[]]
  | map(. + {root_namespace: (if (.name | contains(".")) then (.name | split(".")[0]) else "other" end)})
  | _wg_filter($options) | _wg_drop_roots($options)
  | sort_by(.root_namespace, _wg_name_or_key);
def semconv_attributes: semconv_attributes({});
def semconv_group_attributes_by_root_namespace: _wg_by_root("attributes"; _wg_name_or_key);
def semconv_grouped_attributes($options): semconv_attributes($options) | semconv_group_attributes_by_root_namespace;
def semconv_grouped_attributes: semconv_grouped_attributes({});

def semconv_signal($signal; $options):
  (if ($signal | contains("resource")) then "entity" else $signal end) as $t
  | [.groups[] | select(.type == $t)]
  | map(. + {root_namespace: (if (.id | contains(".")) then (.id | split(".")[1]) else "other" end)})
  | _wg_filter($options)
  | map(if .attributes == null then . else .attributes |= _wg_filter($options) end)
  | _wg_drop_roots($options)
  | sort_by(.root_namespace);
def _wg_metric_name: if has("metric_name") then .metric_name else .name end;

def semconv_metrics($options): semconv_signal("metric"; $options) | sort_by(_wg_metric_name);
def semconv_metrics: semconv_metrics({});
def semconv_group_metrics_by_root_namespace: _wg_by_root("metrics"; _wg_metric_name);
def semconv_grouped_metrics($options): semconv_metrics($options) | semconv_group_metrics_by_root_namespace;
def semconv_grouped_metrics: semconv_grouped_metrics({});

def semconv_spans($options): semconv_signal("span"; $options) | sort_by(.type);
def semconv_spans: semconv_spans({});
def semconv_group_spans_by_root_namespace: _wg_by_root("spans"; .type);
def semconv_grouped_spans($options): semconv_spans($options) | semconv_group_spans_by_root_namespace;
def semconv_grouped_spans: semconv_grouped_spans({});

def semconv_events($options): semconv_signal("event"; $options) | sort_by(.name);
def semconv_events: semconv_events({});
def semconv_group_events_by_root_namespace: _wg_by_root("events"; .name);
def semconv_grouped_events($options): semconv_events($options) | semconv_group_events_by_root_namespace;
def semconv_grouped_events: semconv_grouped_events({});

def semconv_entities($options): semconv_signal("entity"; $options) | sort_by(.type);
def semconv_entities: semconv_entities({});
def semconv_group_entities_by_root_namespace: _wg_by_root("entities"; .type);
def semconv_grouped_entities($options): semconv_entities($options) | semconv_group_entities_by_root_namespace;
def semconv_grouped_entities: semconv_grouped_entities({});
`;
