# The first five zdd checks (docs/design.md "Check findings"), shared by the build-time and the
# release-phase check. The same rules as zdd/checks.py; tests/vectors/*.json keep them in step.
#
# Usage: jq -n -r --arg app APP --arg opt_out "$ZDD_OPT_OUT" --arg jvm_preset "$ZDD_JVM_PRESET"
#          --arg companion_url URL --slurpfile features F.json --slurpfile formation G.json
#          --slurpfile buildpacks B.json --slurpfile sizes dyno_sizes.json -f findings.jq
# Input: $features[0] = GET /apps/{app}/features, $formation[0] = GET /apps/{app}/formation,
# $buildpacks[0] = GET /apps/{app}/buildpack-installations, $sizes[0] = lib/dyno_sizes.json (the
# one dyno-size table, zdd/data/dyno_sizes.json). $companion_url: the URL a missing companion's fix
# adds. $jvm_preset: ZDD_JVM_PRESET; `aot` (exactly, as lib/aot.sh) puts the companion after the
# last JVM buildpack instead of before it (its training run needs the built app and the JDK).
# Output: one line per finding, tab-separated: id, status, message, fix command ("" unless failed).
# A body of the wrong shape is an error (jq exits 5, "unexpected body"): such a body is not judged.

def strip: sub("^\\s+"; "") | sub("\\s+$"; "");
def key: strip | ascii_downcase;

# --- dyno sizes, from the table (zdd/cost.py and zdd/state.py read the same file) ---------------
# The Cedar rows, as zdd/cost.py SIZES: zdd does not plan for Fir apps yet, so their names stay
# unknown (spelled as given, never hobby).
def rows: $sizes[0].sizes | map(select(.generation == "cedar"));
# Eco/Basic (and the retired Free/Hobby): the only sizes that fail tier.professional.
def hobby: key as $k
  | any(rows[]; (.tier | IN("eco", "basic", "free", "hobby")) and (.name | ascii_downcase) == $k);
# Private-*/Shield-* (Private Spaces): 2+ dynos per type, rolling deploys, no preboot. By name,
# as zdd/state.py is_private (a size the table does not list yet counts too).
def private: key | test("^(private|shield)-");
# The table's spelling of a size Heroku sells; anything else as it came (zdd/cost.py).
def canonical:
  . as $size | key as $k
  | (first(rows[] | select(.billing != "retired" and (.name | ascii_downcase) == $k) | .name)
     // $size);
def plural($n; $word): "\($n) \($word)\(if $n == 1 then "" else "s" end)";
def suggested: "Standard-1X";

# --- buildpacks, as zdd/state.py buildpack_key / is_jvm_buildpack / is_companion ----------------
def jvm_keys: ["heroku/java", "heroku/jvm", "heroku/jvm-common", "heroku/gradle", "heroku/scala",
  "heroku/clojure"];
def cut_fragment: (split("#") | .[0] // "") | sub("/+$"; "");
def drop_suffixes: reduce (".tgz", ".tar.gz", ".git") as $s (.; if endswith($s) then .[:-($s | length)] else . end);
def buildpack_key:
  (strip | ascii_downcase | cut_fragment) as $s
  | if $s | startswith("urn:buildpack:") then $s[14:]
    elif $s | test("^(https?|git)://") then
      ($s | sub("^[a-z]+://"; "")) as $rest
      | ($rest | split("/") | .[0] | sub("^.*@"; "") | sub(":[0-9]*$"; "")) as $host
      | ($rest | .[($rest | split("/") | .[0] | length):] | split("?") | .[0]
         | sub("^/+"; "") | sub("/+$"; "") | drop_suffixes | split("/")) as $parts
      | if $host == "github.com" and ($parts | length) >= 2 then
          "\($parts[0])/\($parts[1] | if startswith("heroku-buildpack-") then .[17:] else . end)"
        elif ($parts | index("buildpacks")) != null
             and ($parts[($parts | index("buildpacks")) + 1:] | length) > 0 then
          $parts[($parts | index("buildpacks")) + 1:] | join("/")
        else $s end
    else $s end;
def jvm_buildpack: buildpack_key | IN(jvm_keys[]);
def bare: strip | ascii_downcase | cut_fragment | sub("\\.git$"; "");
def companion:
  bare as $s
  | ($s == ($companion_url | bare))
    or ($s | startswith("https://github.com/zdd-dev/zdd/releases/"))
    or ($s | startswith("urn:buildpack:zdd-dev/zdd"))
    or ($s | split("/") | last // "" | startswith("zdd-buildpack"))
    or ($s | IN("zdd-dev/zdd", "zdd/zdd"));

# --- the shapes the Platform API schema gives (anything else is not judged) ---------------------
def is_array_of(cond): type == "array" and all(.[]; type == "object" and cond);
def bad: error("unexpected body");

($features[0]) as $fs
| ($formation[0]) as $form
| ($buildpacks[0]) as $bps
| if ($fs | is_array_of((.name | type) == "string" and (.enabled | type) == "boolean")) | not then bad
  elif ($form | is_array_of((.type | type) == "string" and (.quantity | type) == "number"
      and ((.dyno_size | type) | IN("object", "null")) and ((.size | type) | IN("string", "null"))))
      | not then bad
  elif ($bps | is_array_of((.buildpack | type) == "object" and (.buildpack.url | type) == "string"))
      | not then bad
  else . end
| ($fs | map({(.name): .enabled}) | add // {}) as $on
# `dyno_size.name` (the schema's field) first, then the legacy `size`, as zdd/heroku/models.py
| ($form | map({type, quantity,
    size: ((.dyno_size.name // null | if . == "" then null else . end) // .size // "" | tostring)})
  # web first, then by type: the order of zdd check's messages and fix commands
  | sort_by(.type != "web", .type)) as $procs
| ($bps | sort_by(.ordinal // 0) | map(.buildpack.url)) as $urls
| ($procs | map(select(.quantity > 0 and (.size | hobby)))) as $low
| ($procs | map(select(.size | private)) | length > 0) as $on_private
| ($procs | map(select(.type == "web")) | first) as $web
| (($procs | length) > 0 and $web == null) as $worker_only
| ($opt_out | split(",") | map(key) | map(select(. != ""))) as $opted
| "no web process type: the router sends this app no HTTP traffic" as $no_web
| [
    if ($procs | length) == 0 then
      ["tier.professional", "skipped", "no process types yet (nothing deployed)", ""]
    elif ($low | length) > 0 then
      ["tier.professional", "failed",
       "not on a professional size: \($low | map("\(.type) (\(.size | canonical))") | join(", ")); preboot and a 2nd web dyno need Standard or Performance",
       "heroku ps:type \($procs | map("\(.type)=\(suggested)") | join(" ")) --app \($app)"]
    elif $on_private then
      ["tier.professional", "passed",
       "Private Space sizes can run 2+ dynos per type (deploys are rolling restarts, not preboot)", ""]
    else
      ["tier.professional", "passed", "every running process type is professional", ""]
    end,
    if $web == null then
      ["web.redundancy", "skipped", (if $worker_only then $no_web else "no web process type" end), ""]
    elif $web.quantity >= 2 then
      ["web.redundancy", "passed", "\($web.quantity) web dynos", ""]
    else
      ["web.redundancy", "failed",
       "\(plural($web.quantity; "web dyno")): \(if $web.quantity == 0 then "nothing serves requests"
         else "while it restarts (daily cycling, a crash) nothing serves requests; 2+ web dynos make it more likely one is up" end)",
       # Eco/Basic run one dyno per type: all types move together
       (if ($web.size | hobby) then
          "heroku ps:scale \($procs | map("\(.type)=\(if .type == "web" then 2 else .quantity end):\(suggested)") | join(" ")) --app \($app)"
        else "heroku ps:scale web=2 --app \($app)" end)]
    end,
    ((["affinity.enabled", "http-session-affinity",
       "while old and new dynos overlap in a deploy, one client's requests may alternate between releases"],
      ["preboot.enabled", "preboot",
       "every deploy stops the old web dynos before the new ones take traffic"])
     | . as [$id, $name, $why]
     | if $on[$name] == true then [$id, "passed", "\($name) is enabled", ""]
       elif $on_private then
         ($procs | map(select(.size | private) | .size | canonical) | unique | join(", ")) as $sizes_on
         | [$id, "skipped",
            (if $name == "preboot"
             then "\($sizes_on) can't use preboot: Private Spaces deploy with rolling restarts instead"
             else "\($sizes_on): session affinity is not available in Private Spaces" end),
            ""]
       else [$id, "failed", "\($name) is disabled: \($why)", "heroku features:enable \($name) --app \($app)"]
       end),
    ([$urls | to_entries[] | select(.value | companion) | .key] | first) as $at
    | ([$urls | to_entries[] | select(.value | jvm_buildpack) | .key] | last) as $jvm
    | if $jvm == null then ["buildpack.companion", "skipped", "not a JVM app", ""]
      elif $jvm_preset == "aot" then
        ($urls[$jvm] | ltrimstr("urn:buildpack:")) as $last
        | if $at != null and $at > $jvm then
            ["buildpack.companion", "passed",
             "the zdd buildpack is installed after \($last), as ZDD_JVM_PRESET=aot needs (with a Procfile web: line)", ""]
          elif $at != null then
            # removing it (before the JVM buildpack) moves that one up: index $jvm + 1 is after it
            $urls[$at] as $found
            | ["buildpack.companion", "failed",
               "the zdd buildpack comes before \($last): ZDD_JVM_PRESET=aot trains its AOT cache with the built app and its JDK, so it must come after \($last), and the app needs a Procfile web: line",
               "heroku buildpacks:remove \($found) --app \($app) && heroku buildpacks:add --index \($jvm + 1) \($found) --app \($app)"]
          else
            ["buildpack.companion", "failed",
             "JVM app without the zdd buildpack: new dynos take traffic with a cold JIT",
             "zdd setup --app \($app) (it checks the buildpack URL can be fetched before adding it; to self-host the buildpack: zdd buildpack --out DIR, then zdd setup --app \($app) --buildpack YOUR-URL)"]
          end
      elif $at != null and $at < $jvm then
        ["buildpack.companion", "passed", "the zdd buildpack is installed", ""]
      elif $at != null then
        ($urls[$jvm] | ltrimstr("urn:buildpack:")) as $last
        | $urls[$at] as $found
        | ["buildpack.companion", "failed",
           "the zdd buildpack comes after \($last): only the last buildpack's default process types count, so an app without a Procfile loses its web process; it must come before \($last)",
           "heroku buildpacks:remove \($found) --app \($app) && heroku buildpacks:add --index \($jvm + 1) \($found) --app \($app)"]
      else
        ["buildpack.companion", "failed",
         "JVM app without the zdd buildpack: new dynos take traffic with a cold JIT",
         "zdd setup --app \($app) (it checks the buildpack URL can be fetched before adding it; to self-host the buildpack: zdd buildpack --out DIR, then zdd setup --app \($app) --buildpack YOUR-URL)"]
      end
  ]
| map(if $worker_only and .[0] != "web.redundancy" then [.[0], "skipped", $no_web, ""] else . end)
| map(if IN(.[0]; $opted[]) then [.[0], "skipped", "opted out (ZDD_OPT_OUT)", ""] else . end)
| .[]
| map(gsub("[\t\n\r]"; " "))
| @tsv
