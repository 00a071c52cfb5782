# The first four zdd checks (docs/design.md "Check findings"), shared by the build-time and the
# release-phase check. The same rules as zdd/checks.py; tests/vectors/*.json keep them in step.
#
# Usage: jq -n -r --arg app APP --slurpfile features F.json --slurpfile formation G.json -f findings.jq
# Input: $features[0] = GET /apps/{app}/features, $formation[0] = GET /apps/{app}/formation.
# Output: one line per finding, tab-separated: id, status, message, fix command ("" when passed).
# A body of the wrong shape is an error (jq exits non-zero), like malformed JSON.

def professional: ascii_downcase | test("^(standard|performance)-");
def plural($n; $word): "\($n) \($word)\(if $n == 1 then "" else "s" end)";
def canonical:
  ascii_downcase
  | if . == "eco" then "Eco" elif . == "basic" then "Basic" elif . == "free" then "Free"
    elif . == "hobby" then "Hobby"
    elif test("^(standard|performance|private|shield)-") then
      (split("-") | (.[0][:1] | ascii_upcase) + .[0][1:] + "-" + (.[1:] | join("-") | ascii_upcase))
    else . end;

($features[0]) as $fs
| ($formation[0]) as $form
| if ($fs | type) != "array" or ($form | type) != "array" then error("unexpected body") else . end
| ($fs | map(select(type == "object" and (.name | type) == "string"))
  | map({(.name): (.enabled == true)}) | add // {}) as $on
| ($form | map(select(type == "object")
  | {type: (.type // "" | tostring), quantity: (.quantity // 0 | tonumber), size: (.size // "" | tostring)})) as $procs
| ($procs | map(select(.quantity > 0 and (.size | professional | not)))) as $low
| ($procs | map(select(.type == "web")) | first) as $web
| [
    if ($procs | length) == 0 then
      ["tier.professional", "skipped", "no process types yet (nothing deployed)", ""]
    elif ($low | length) > 0 then
      ["tier.professional", "failed",
       "not on a professional size: \($low | map("\(.type) (\(.size | canonical))") | join(", ")); preboot and a 2nd web dyno need Standard or Performance",
       "heroku ps:type \($procs | map("\(.type)=Standard-1X") | join(" ")) --app \($app)"]
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
       "heroku ps:scale web=2 --app \($app)"]
    end,
    ((["affinity.enabled", "http-session-affinity", "requests of one session may hit old and new releases"],
      ["preboot.enabled", "preboot", "every deploy stops old dynos before new ones take traffic"])
     | . as [$id, $name, $why]
     | if $on[$name] then [$id, "passed", "\($name) is enabled", ""]
       else [$id, "failed", "\($name) is disabled: \($why)", "heroku features:enable \($name) --app \($app)"]
       end)
  ]
| .[]
| map(gsub("[\t\n\r]"; " "))
| @tsv
