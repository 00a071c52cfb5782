# The first four zdd checks (docs/design.md "Check findings"), shared by the build-time and the
# release-phase check. The same rules as zdd/checks.py; tests/vectors/*.json keep them in step.
#
# Usage: jq -n -r --arg app APP --slurpfile features F.json --slurpfile formation G.json -f findings.jq
# Input: $features[0] = GET /apps/{app}/features, $formation[0] = GET /apps/{app}/formation.
# Output: one line per finding, tab-separated: id, status, message, fix command ("" when passed).
# A body of the wrong shape is an error (jq exits non-zero), like malformed JSON.

# Sizes as zdd/cost.py spells them (CANONICAL; tests/buildpack keep this list equal to MONTHLY_USD).
def known_sizes: ["eco", "basic", "standard-1x", "standard-2x", "performance-m", "performance-l",
  "performance-l-ram", "performance-xl", "performance-2xl", "private-s", "private-m", "private-l",
  "private-l-ram", "private-xl", "private-2xl", "shield-s", "shield-m", "shield-l", "shield-l-ram",
  "shield-xl", "shield-2xl"];
def strip: sub("^\\s+"; "") | sub("\\s+$"; "");
def key: strip | ascii_downcase;
# Eco/Basic (and the legacy Free/Hobby): the only sizes that fail tier.professional (zdd/state.py).
def hobby: key | IN("eco", "basic", "free", "hobby");
# Private-*/Shield-* (Private Spaces): 2+ dynos per type, rolling deploys, no preboot.
def private: key | test("^(private|shield)-");
def canonical:
  . as $size
  | key as $k
  | if ($k | IN(known_sizes[])) | not then $size
    elif $k == "eco" then "Eco" elif $k == "basic" then "Basic"
    else $k | split("-")
      | map(if IN("1x", "2x", "m", "l", "xl", "2xl", "s", "ram") then ascii_upcase
            else (.[:1] | ascii_upcase) + .[1:] end)
      | join("-")
    end;
def plural($n; $word): "\($n) \($word)\(if $n == 1 then "" else "s" end)";
def suggested: "Standard-1X";

($features[0]) as $fs
| ($formation[0]) as $form
| if ($fs | type) != "array" or ($form | type) != "array" then error("unexpected body") else . end
| ($fs | map(select(type == "object" and (.name | type) == "string"))
  | map({(.name): (.enabled == true)}) | add // {}) as $on
# web first, then by type: the order of zdd check's messages and fix commands
| ($form | map(select(type == "object")
  | {type: (.type // "" | tostring), quantity: (.quantity // 0 | tonumber), size: (.size // "" | tostring)})
  | sort_by(.type != "web", .type)) as $procs
| ($procs | map(select(.quantity > 0 and (.size | hobby)))) as $low
| ($procs | map(select(.size | private)) | length > 0) as $on_private
| ($procs | map(select(.type == "web")) | first) as $web
| [
    if ($procs | length) == 0 then
      ["tier.professional", "skipped", "no process types yet (nothing deployed)", ""]
    elif ($low | length) > 0 then
      ["tier.professional", "failed",
       "not on a professional size: \($low | map("\(.type) (\(.size | canonical))") | join(", ")); preboot and a 2nd web dyno need Standard or Performance",
       "heroku ps:type \($procs | map("\(.type)=\(suggested)") | join(" ")) --app \($app)"]
    elif $on_private then
      ["tier.professional", "passed",
       "Private Space sizes run 2+ dynos per type (deploys are rolling restarts, not preboot)", ""]
    else
      ["tier.professional", "passed", "every running process type is professional", ""]
    end,
    if $web == null then
      ["web.redundancy", "skipped", "no web process type", ""]
    elif $web.quantity >= 2 then
      ["web.redundancy", "passed", "\($web.quantity) web dynos", ""]
    else
      ["web.redundancy", "failed",
       "\(plural($web.quantity; "web dyno")); a restart or deploy drops requests with fewer than 2",
       # Eco/Basic run one dyno per type: all types move together
       (if ($web.size | hobby) then
          "heroku ps:scale \($procs | map("\(.type)=\(if .type == "web" then 2 else .quantity end):\(suggested)") | join(" ")) --app \($app)"
        else "heroku ps:scale web=2 --app \($app)" end)]
    end,
    ((["affinity.enabled", "http-session-affinity", "requests of one session may hit old and new releases"],
      ["preboot.enabled", "preboot", "every deploy stops old dynos before new ones take traffic"])
     | . as [$id, $name, $why]
     | if $on[$name] then [$id, "passed", "\($name) is enabled", ""]
       elif $name == "preboot" and $on_private then
         [$id, "skipped",
          "\($procs | map(select(.size | private) | .size | canonical) | unique | join(", ")) can't use preboot: Private Space deploys are rolling restarts (keep 2+ web dynos)",
          ""]
       else [$id, "failed", "\($name) is disabled: \($why)", "heroku features:enable \($name) --app \($app)"]
       end)
  ]
| .[]
| map(gsub("[\t\n\r]"; " "))
| @tsv
