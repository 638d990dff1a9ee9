// helm-render renders a Helm chart's templates with Go's text/template — the engine Helm itself uses — and the
// subset of Helm's and Sprig's functions this project's chart uses, so tests can check the Kubernetes objects a
// chart produces on machines without Helm. Stricter than Helm on purpose: a missing key is an error, not "".
//
//	go run tools/helm-render/main.go CHART_DIR < context.json
//
// context.json holds {"Values": …, "Release": {"Name", "Namespace", "Service"}}; Chart comes from Chart.yaml's
// name, version and appVersion (read as flat "key: value" lines). Output: the manifests as Helm prints them,
// each document after "---" and a "# Source:" comment.
package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"text/template"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "helm-render: "+format+"\n", args...)
	os.Exit(1)
}

func empty(v interface{}) bool {
	if v == nil {
		return true
	}
	r := reflect.ValueOf(v)
	switch r.Kind() {
	case reflect.String, reflect.Map, reflect.Slice, reflect.Array:
		return r.Len() == 0
	case reflect.Bool:
		return !r.Bool()
	case reflect.Float64, reflect.Float32:
		return r.Float() == 0
	case reflect.Int, reflect.Int64, reflect.Int32:
		return r.Int() == 0
	}
	return false
}

func toInt(v interface{}) int {
	switch n := v.(type) {
	case int:
		return n
	case float64:
		return int(n)
	case string:
		i, _ := strconv.Atoi(n)
		return i
	}
	return 0
}

func scalar(v interface{}) string {
	switch s := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(s) // a JSON string is a YAML string
	case float64:
		if s == float64(int64(s)) {
			return strconv.FormatInt(int64(s), 10)
		}
		return strconv.FormatFloat(s, 'f', -1, 64)
	default:
		return fmt.Sprint(s)
	}
}

// toYaml writes block YAML with sorted keys, as Helm's toYaml does (without the trailing newline).
func toYaml(v interface{}) string {
	var b strings.Builder
	writeYaml(&b, v, 0)
	return strings.TrimSuffix(b.String(), "\n")
}

func writeYaml(b *strings.Builder, v interface{}, indent int) {
	pad := strings.Repeat(" ", indent)
	switch value := v.(type) {
	case map[string]interface{}:
		if len(value) == 0 {
			b.WriteString(pad + "{}\n")
			return
		}
		keys := make([]string, 0, len(value))
		for k := range value {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			child := value[k]
			if isCollection(child) && !empty(child) {
				b.WriteString(pad + k + ":\n")
				writeYaml(b, child, indent+2)
			} else {
				b.WriteString(pad + k + ": " + inline(child) + "\n")
			}
		}
	case []interface{}:
		if len(value) == 0 {
			b.WriteString(pad + "[]\n")
			return
		}
		for _, item := range value {
			if isCollection(item) && !empty(item) {
				var inner strings.Builder
				writeYaml(&inner, item, indent+2)
				b.WriteString(pad + "- " + strings.TrimPrefix(inner.String(), pad+"  "))
			} else {
				b.WriteString(pad + "- " + inline(item) + "\n")
			}
		}
	default:
		b.WriteString(pad + scalar(value) + "\n")
	}
}

func isCollection(v interface{}) bool {
	switch v.(type) {
	case map[string]interface{}, []interface{}:
		return true
	}
	return false
}

func inline(v interface{}) string {
	switch value := v.(type) {
	case map[string]interface{}:
		if len(value) == 0 {
			return "{}"
		}
	case []interface{}:
		if len(value) == 0 {
			return "[]"
		}
	}
	return scalar(v)
}

func indent(n int, s string) string {
	pad := strings.Repeat(" ", n)
	return pad + strings.ReplaceAll(s, "\n", "\n"+pad)
}

// readChart reads name, version and appVersion from Chart.yaml's top-level "key: value" lines.
func readChart(dir string) map[string]interface{} {
	file, err := os.Open(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		fail("%v", err)
	}
	defer file.Close()
	chart := map[string]interface{}{}
	fields := map[string]string{"name": "Name", "version": "Version", "appVersion": "AppVersion"}
	scanner := bufio.NewScanner(file)
	for scanner.Scan() {
		line := scanner.Text()
		if key, value, found := strings.Cut(line, ":"); found && !strings.HasPrefix(line, " ") {
			if field, ok := fields[key]; ok {
				chart[field] = strings.Trim(strings.TrimSpace(value), `'"`)
			}
		}
	}
	return chart
}

func main() {
	if len(os.Args) != 2 {
		fail("usage: helm-render CHART_DIR < context.json")
	}
	dir := os.Args[1]
	var root map[string]interface{}
	if err := json.NewDecoder(os.Stdin).Decode(&root); err != nil {
		fail("context JSON: %v", err)
	}
	root["Chart"] = readChart(dir)

	var tpl *template.Template
	funcs := template.FuncMap{
		"include": func(name string, data interface{}) (string, error) {
			var buf bytes.Buffer
			err := tpl.ExecuteTemplate(&buf, name, data)
			return buf.String(), err
		},
		"required": func(message string, v interface{}) (interface{}, error) {
			if empty(v) {
				return nil, fmt.Errorf("%s", message)
			}
			return v, nil
		},
		"default": func(fallback interface{}, given ...interface{}) interface{} {
			if len(given) == 0 || empty(given[0]) {
				return fallback
			}
			return given[0]
		},
		"dict": func(pairs ...interface{}) map[string]interface{} {
			d := map[string]interface{}{}
			for i := 0; i+1 < len(pairs); i += 2 {
				d[fmt.Sprint(pairs[i])] = pairs[i+1]
			}
			return d
		},
		"toYaml":   toYaml,
		"toString": func(v interface{}) string { return fmt.Sprint(v) },
		"quote": func(v interface{}) string {
			if v == nil {
				return `""`
			}
			return strconv.Quote(fmt.Sprint(v))
		},
		"b64enc":  func(s interface{}) string { return base64.StdEncoding.EncodeToString([]byte(fmt.Sprint(s))) },
		"nindent": func(n interface{}, s string) string { return "\n" + indent(toInt(n), s) },
		"indent":  func(n interface{}, s string) string { return indent(toInt(n), s) },
		"trunc": func(n interface{}, s string) string {
			if len(s) > toInt(n) {
				return s[:toInt(n)]
			}
			return s
		},
		"trimSuffix": func(suffix, s string) string { return strings.TrimSuffix(s, suffix) },
		"contains":   func(substr, s string) bool { return strings.Contains(s, substr) },
	}
	tpl = template.New(filepath.Base(dir)).Funcs(funcs).Option("missingkey=error")

	files, _ := filepath.Glob(filepath.Join(dir, "templates", "*"))
	sort.Strings(files)
	var manifests []string
	for _, file := range files {
		source, err := os.ReadFile(file)
		if err != nil {
			fail("%v", err)
		}
		name := filepath.Join(filepath.Base(dir), "templates", filepath.Base(file))
		if _, err := tpl.New(name).Parse(string(source)); err != nil {
			fail("%v", err)
		}
		if strings.HasSuffix(file, ".yaml") && !strings.HasPrefix(filepath.Base(file), "_") {
			manifests = append(manifests, name)
		}
	}
	var out bytes.Buffer
	for _, name := range manifests {
		var buf bytes.Buffer
		if err := tpl.ExecuteTemplate(&buf, name, root); err != nil {
			fail("%v", err)
		}
		for _, doc := range strings.Split(buf.String(), "\n---") {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", name, strings.Trim(doc, "\n"))
		}
	}
	os.Stdout.Write(out.Bytes())
}
