// Package tokenmap matches Terraform OpenStack resource and data source names to the Pulumi
// tokens of the pulumi-openstack Python SDK.
package tokenmap

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	shim "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"

	"sovereignhub/tools/providers/openstack"
)

const tfPrefix = "openstack_"

var versionSuffix = regexp.MustCompile(`v[0-9]+$`)

// Table indexes SDK tokens by their spelling without case, separators or the "index" module.
type Table struct {
	resources map[string]string
	functions map[string]string
}

// key folds "compute" + "instanceV2" and "compute_instance_v2" to the same "computeinstancev2".
func key(module, name string) string {
	if module == "index" {
		module = ""
	}
	return strings.ToLower(strings.ReplaceAll(module+name, "_", ""))
}

// Load parses the embedded token list.
func Load() Table {
	return Parse(openstack.Tokens)
}

// Parse reads a token list: "#" lines are comments, every other line is pkg:module/name:Name.
func Parse(text string) Table {
	t := Table{resources: map[string]string{}, functions: map[string]string{}}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, ":")
		if len(parts) != 3 {
			continue
		}
		modName := strings.SplitN(parts[1], "/", 2)
		if len(modName) != 2 {
			continue
		}
		module, name := modName[0], modName[1]
		if strings.HasPrefix(name, "get") && parts[2] == name {
			t.functions[key(module, strings.TrimPrefix(name, "get"))] = line
		} else {
			t.resources[key(module, name)] = line
		}
	}
	return t
}

// moduleAliases are Terraform name prefixes that pulumi-openstack files under another module.
var moduleAliases = map[string]string{
	"lb": "loadbalancer",
	"fw": "firewall",
	"db": "database",
}

// candidates lists the spellings to try, most specific first: the Pulumi module name for an
// aliased prefix, then the Terraform name as is; each with and then without the _vN suffix.
func candidates(tfName string) []string {
	bare := strings.TrimPrefix(tfName, tfPrefix)
	var spellings []string
	if module, rest, ok := strings.Cut(bare, "_"); ok {
		if alias, known := moduleAliases[module]; known {
			spellings = append(spellings, alias+"_"+rest)
		}
	}
	spellings = append(spellings, bare)
	var out []string
	for _, s := range spellings {
		k := key("", s)
		out = append(out, versionSuffix.ReplaceAllString(k, ""), k)
	}
	return out
}

func lookup(index map[string]string, tfName string) (string, bool) {
	for _, k := range candidates(tfName) {
		if tok, ok := index[k]; ok {
			return tok, true
		}
	}
	return "", false
}

// Resource returns the SDK token for a Terraform resource name.
func (t Table) Resource(tfName string) (string, bool) { return lookup(t.resources, tfName) }

// Function returns the SDK token for a Terraform data source name.
func (t Table) Function(tfName string) (string, bool) { return lookup(t.functions, tfName) }

// Apply maps every resource and data source of the bridged provider. A Terraform name with no
// SDK token is ignored: the SDK has no class that could send it.
func (t Table) Apply(info *tfbridge.ProviderInfo) error {
	info.Resources = map[string]*tfbridge.ResourceInfo{}
	info.DataSources = map[string]*tfbridge.DataSourceInfo{}
	var ignored []string
	for _, name := range names(info, false) {
		if tok, ok := t.Resource(name); ok {
			info.Resources[name] = &tfbridge.ResourceInfo{Tok: tokens.Type(tok)}
		} else {
			ignored = append(ignored, name)
		}
	}
	for _, name := range names(info, true) {
		if tok, ok := t.Function(name); ok {
			info.DataSources[name] = &tfbridge.DataSourceInfo{Tok: tokens.ModuleMember(tok)}
		} else {
			ignored = append(ignored, name)
		}
	}
	if len(info.Resources) == 0 {
		return fmt.Errorf("no OpenStack resource matched a pulumi-openstack token")
	}
	info.IgnoreMappings = ignored
	return nil
}

func names(info *tfbridge.ProviderInfo, dataSources bool) []string {
	var out []string
	m := info.P.ResourcesMap()
	if dataSources {
		m = info.P.DataSourcesMap()
	}
	m.Range(func(name string, _ shim.Resource) bool {
		out = append(out, name)
		return true
	})
	sort.Strings(out)
	return out
}
