// chart-render renders a Helm chart the way `helm template` does, for the features the
// chaindrill chart uses, without helm (helm is not packaged in Debian). It exists so the chart's
// templates are checked on every machine: tests/e2e/chart.sh renders the chart with several value
// sets and checks the objects; where helm is installed, the same test compares both renderings.
//
//	chart-render [--name R] [--namespace NS] [-f VALUES.yaml]... [--set K=V]... [-o json|yaml|notes|values] CHART
//	chart-render --parse FILE     a YAML stream (e.g. helm template's output) as a JSON array
//
// What it does as helm does: values.yaml merged with -f files then --set overrides (numbers from
// YAML are float64 and --set integers int64, as in helm; K=null deletes K; {a,b} is a list);
// .Values, .Release (Name, Namespace, Service, IsInstall, IsUpgrade, Revision), .Chart (Chart.yaml,
// keys capitalized), .Capabilities (a fixed KubeVersion), .Template; sprig's TxtFuncMap plus
// include, tpl, required, toYaml, fromYaml, toJson-compatible output; missingkey=zero with
// "<no value>" removed; files under templates/ starting with "_" are only definitions; NOTES.txt is
// rendered apart. Every rendered document must parse as YAML and be an object with apiVersion,
// kind and metadata.name, else the exit code is 1 and the document is shown with line numbers.
// -o values prints the merged values as JSON: what helm validates against values.schema.json,
// which this program does not do itself (tests/e2e/chart.sh validates that output).
// Not done: subcharts, .Files, lookup against a cluster, schema validation, hooks.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"gopkg.in/yaml.v3"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// object is one rendered Kubernetes object and the template it came from.
type object struct {
	Source string
	Doc    map[string]interface{}
}

func main() {
	var sets, files multiFlag
	name := flag.String("name", "release-name", "the release name (.Release.Name)")
	namespace := flag.String("namespace", "default", "the release namespace (.Release.Namespace)")
	output := flag.String("o", "json", "json: an array of objects; yaml: helm template's stream; notes: NOTES.txt; values: the merged values")
	parse := flag.String("parse", "", "print the YAML stream in this file as a JSON array and exit")
	flag.Var(&sets, "set", "K=V[,K=V...] override, as helm --set (repeatable)")
	flag.Var(&files, "f", "a values file merged over values.yaml (repeatable)")
	flag.Parse()
	if *parse != "" {
		exitOn(printParsed(*parse))
		return
	}
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: chart-render [--name R] [--namespace NS] [-f F]... [--set K=V]... [-o json|yaml|notes|values] CHART")
		os.Exit(2)
	}
	if *output == "values" { // the values helm validates, without rendering
		vals, err := mergedValues(flag.Arg(0), files, sets)
		exitOn(err)
		exitOn(printJSON(vals))
		return
	}
	objs, notes, err := render(flag.Arg(0), *name, *namespace, files, sets)
	exitOn(err)
	switch *output {
	case "json":
		docs := make([]interface{}, len(objs))
		for i, o := range objs {
			docs[i] = o.Doc
		}
		exitOn(printJSON(docs))
	case "yaml":
		for _, o := range objs {
			fmt.Printf("---\n# Source: %s\n%s\n", o.Source, toYAML(o.Doc))
		}
	case "notes":
		fmt.Print(notes)
	default:
		exitOn(fmt.Errorf("-o %s: json, yaml, notes or values", *output))
	}
}

func exitOn(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "chart-render:", err)
		os.Exit(1)
	}
}

func printJSON(v interface{}) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// ---- values -------------------------------------------------------------------------------

// decodeMapping reads one YAML mapping with JSON's types, as helm's values loader does; an empty
// document is an empty mapping.
func decodeMapping(data []byte) (map[string]interface{}, error) {
	var v interface{}
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	if v == nil {
		return map[string]interface{}{}, nil
	}
	m, ok := jsonTypes(v).(map[string]interface{})
	if !ok {
		return nil, errors.New("not a mapping")
	}
	return m, nil
}

func readYAMLFile(path string) (map[string]interface{}, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := decodeMapping(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return m, nil
}

// jsonTypes turns a yaml.v3 value into what a YAML->JSON->Go round trip gives: string-keyed maps
// and float64 numbers.
func jsonTypes(v interface{}) interface{} {
	switch t := v.(type) {
	case map[string]interface{}:
		for k, x := range t {
			t[k] = jsonTypes(x)
		}
		return t
	case map[interface{}]interface{}:
		m := make(map[string]interface{}, len(t))
		for k, x := range t {
			m[fmt.Sprint(k)] = jsonTypes(x)
		}
		return m
	case []interface{}:
		for i, x := range t {
			t[i] = jsonTypes(x)
		}
		return t
	case int:
		return float64(t)
	case int64:
		return float64(t)
	case uint64:
		return float64(t)
	default:
		return v
	}
}

// merge lays src over dst: maps merge key by key, anything else replaces; nil deletes.
func merge(dst, src map[string]interface{}) {
	for k, v := range src {
		if v == nil {
			delete(dst, k)
			continue
		}
		sm, sok := v.(map[string]interface{})
		dm, dok := dst[k].(map[string]interface{})
		if sok && dok {
			merge(dm, sm)
		} else {
			dst[k] = v
		}
	}
}

// splitTop splits s on sep outside braces.
func splitTop(s string, sep byte) []string {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			depth--
		case sep:
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, s[start:])
}

// typedValue types one --set value as helm's strvals does.
func typedValue(s string) interface{} {
	if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
		list := []interface{}{}
		if inner := s[1 : len(s)-1]; inner != "" {
			for _, e := range splitTop(inner, ',') {
				list = append(list, typedValue(e))
			}
		}
		return list
	}
	switch s {
	case "true":
		return true
	case "false":
		return false
	case "null":
		return nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && (s == "0" || !strings.HasPrefix(s, "0")) {
		return n
	}
	return s
}

var setIndex = regexp.MustCompile(`^([^\[\]]+)\[(\d+)\]$`)

// applySet applies one --set argument ("a.b=c,d[0]=e") to vals.
func applySet(vals map[string]interface{}, arg string) error {
	for _, kv := range splitTop(arg, ',') {
		eq := strings.IndexByte(kv, '=')
		if eq <= 0 {
			return fmt.Errorf("--set %q: want KEY=VALUE", kv)
		}
		keys := strings.Split(kv[:eq], ".")
		val := typedValue(kv[eq+1:])
		m := vals
		for i, k := range keys {
			last := i == len(keys)-1
			if g := setIndex.FindStringSubmatch(k); g != nil {
				idx, _ := strconv.Atoi(g[2])
				list, _ := m[g[1]].([]interface{})
				for len(list) <= idx {
					list = append(list, nil)
				}
				m[g[1]] = list
				if last {
					list[idx] = val
					break
				}
				next, ok := list[idx].(map[string]interface{})
				if !ok {
					next = map[string]interface{}{}
					list[idx] = next
				}
				m = next
				continue
			}
			if last {
				if val == nil {
					delete(m, k)
				} else {
					m[k] = val
				}
				break
			}
			next, ok := m[k].(map[string]interface{})
			if !ok {
				next = map[string]interface{}{}
				m[k] = next
			}
			m = next
		}
	}
	return nil
}

// ---- templates ----------------------------------------------------------------------------

func toYAML(v interface{}) string {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return "" // as helm's toYaml: errors are swallowed
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// fromYAML: as helm's, a failure is reported in the result's "Error" key.
func fromYAML(s string) map[string]interface{} {
	m, err := decodeMapping([]byte(s))
	if err != nil {
		return map[string]interface{}{"Error": err.Error()}
	}
	return m
}

// funcMap is sprig's plus what helm adds; include and tpl need the template set itself.
func funcMap(t **template.Template) template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env") // helm removes these two: charts must not read the environment
	delete(f, "expandenv")
	f["toYaml"] = toYAML
	f["fromYaml"] = fromYAML
	f["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil {
			return nil, errors.New(msg)
		}
		if s, ok := v.(string); ok && s == "" {
			return nil, errors.New(msg)
		}
		return v, nil
	}
	f["include"] = func(name string, data interface{}) (string, error) {
		var buf bytes.Buffer
		err := (*t).ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
	f["tpl"] = func(text string, data interface{}) (string, error) {
		c, err := (*t).Clone()
		if err != nil {
			return "", err
		}
		c, err = c.New("tpl").Parse(text)
		if err != nil {
			return "", err
		}
		var buf bytes.Buffer
		err = c.Execute(&buf, data)
		return strings.ReplaceAll(buf.String(), "<no value>", ""), err
	}
	f["lookup"] = func(string, string, string, string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil // helm template: no cluster
	}
	return f
}

func chartMeta(dir string) (map[string]interface{}, error) {
	m, err := readYAMLFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return nil, err
	}
	out := map[string]interface{}{}
	for k, v := range m {
		out[strings.ToUpper(k[:1])+k[1:]] = v
	}
	if out["Name"] == nil || out["Version"] == nil {
		return nil, fmt.Errorf("%s/Chart.yaml: name and version are required", dir)
	}
	return out, nil
}

// mergedValues is .Values: values.yaml, then the -f files, then the --set overrides. It is also
// what helm checks against the chart's values.schema.json before rendering (-o values prints it).
func mergedValues(dir string, files, sets []string) (map[string]interface{}, error) {
	vals, err := readYAMLFile(filepath.Join(dir, "values.yaml"))
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		over, err := readYAMLFile(f)
		if err != nil {
			return nil, err
		}
		merge(vals, over)
	}
	for _, s := range sets {
		if err := applySet(vals, s); err != nil {
			return nil, err
		}
	}
	return vals, nil
}

func render(dir, name, namespace string, files, sets []string) ([]object, string, error) {
	meta, err := chartMeta(dir)
	if err != nil {
		return nil, "", err
	}
	vals, err := mergedValues(dir, files, sets)
	if err != nil {
		return nil, "", err
	}
	chartName := fmt.Sprint(meta["Name"])
	paths, err := filepath.Glob(filepath.Join(dir, "templates", "*"))
	if err != nil {
		return nil, "", err
	}
	sort.Strings(paths)
	var t *template.Template
	t = template.New(chartName).Option("missingkey=zero").Funcs(funcMap(&t))
	var names []string
	for _, p := range paths {
		text, err := os.ReadFile(p)
		if err != nil {
			return nil, "", err
		}
		n := chartName + "/templates/" + filepath.Base(p)
		if _, err := t.New(n).Parse(string(text)); err != nil {
			return nil, "", err
		}
		names = append(names, n)
	}
	top := map[string]interface{}{
		"Values": vals,
		"Chart":  meta,
		"Release": map[string]interface{}{
			"Name": name, "Namespace": namespace, "Service": "Helm",
			"IsInstall": true, "IsUpgrade": false, "Revision": 1,
		},
		"Capabilities": map[string]interface{}{
			"KubeVersion": map[string]interface{}{"Version": "v1.27.3", "Major": "1", "Minor": "27"},
			"APIVersions": []string{"v1", "apps/v1", "storage.k8s.io/v1"},
		},
		"Files": map[string]interface{}{},
	}
	var objs []object
	notes := ""
	for _, n := range names {
		base := filepath.Base(n)
		if strings.HasPrefix(base, "_") {
			continue
		}
		top["Template"] = map[string]interface{}{"Name": n, "BasePath": chartName + "/templates"}
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, n, top); err != nil {
			return nil, "", err
		}
		out := strings.ReplaceAll(buf.String(), "<no value>", "")
		if base == "NOTES.txt" {
			notes = out
			continue
		}
		docs, err := parseStream(n, out)
		if err != nil {
			return nil, "", err
		}
		objs = append(objs, docs...)
	}
	sort.SliceStable(objs, func(a, b int) bool {
		return installRank(objs[a].Doc) < installRank(objs[b].Doc)
	})
	return objs, notes, nil
}

// helm's install order (releaseutil.InstallOrder), for the kinds a chart like this one makes;
// helm template prints objects in this order, and others after them.
var installOrder = []string{"Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange",
	"PodDisruptionBudget", "ServiceAccount", "Secret", "ConfigMap", "StorageClass",
	"PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole",
	"ClusterRoleBinding", "Role", "RoleBinding", "Service", "DaemonSet", "Pod", "ReplicaSet",
	"Deployment", "StatefulSet", "Job", "CronJob", "Ingress"}

func installRank(doc map[string]interface{}) int {
	for i, k := range installOrder {
		if doc["kind"] == k {
			return i
		}
	}
	return len(installOrder)
}

// ---- rendered documents -------------------------------------------------------------------

var docSep = regexp.MustCompile(`(?m)^---[ \t]*(#.*)?$`)

// parseStream splits a rendered file into documents and parses each; empty documents are dropped.
func parseStream(source, text string) ([]object, error) {
	var objs []object
	for _, doc := range docSep.Split(text, -1) {
		var v interface{}
		if err := yaml.Unmarshal([]byte(doc), &v); err != nil {
			return nil, fmt.Errorf("%s: the rendered document does not parse: %v\n%s", source, err,
				numbered(doc))
		}
		if v == nil {
			continue
		}
		m, ok := jsonTypes(v).(map[string]interface{})
		if !ok {
			return nil, fmt.Errorf("%s: a rendered document is not a mapping:\n%s", source, numbered(doc))
		}
		if err := checkObject(m); err != nil {
			return nil, fmt.Errorf("%s: %v:\n%s", source, err, numbered(doc))
		}
		objs = append(objs, object{Source: source, Doc: m})
	}
	return objs, nil
}

func checkObject(m map[string]interface{}) error {
	for _, k := range []string{"apiVersion", "kind"} {
		if s, ok := m[k].(string); !ok || s == "" {
			return fmt.Errorf("the object has no %s", k)
		}
	}
	meta, _ := m["metadata"].(map[string]interface{})
	if s, ok := meta["name"].(string); !ok || s == "" {
		return errors.New("the object has no metadata.name")
	}
	return nil
}

func numbered(doc string) string {
	var b strings.Builder
	for i, l := range strings.Split(doc, "\n") {
		fmt.Fprintf(&b, "%4d | %s\n", i+1, l)
	}
	return b.String()
}

func printParsed(path string) error {
	var in io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	data, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	objs, err := parseStream(path, string(data))
	if err != nil {
		return err
	}
	docs := make([]interface{}, len(objs))
	for i, o := range objs {
		docs[i] = o.Doc
	}
	return printJSON(docs)
}
