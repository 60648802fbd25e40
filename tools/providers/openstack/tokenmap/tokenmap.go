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

// irregular holds the SDK names that no spelling rule reaches (upstream typos and renames).
var irregular = map[string][]string{
	"openstack_blockstorage_quotaset_v3": {"openstack:blockstorage/quoteSetV3:QuoteSetV3"},
	"openstack_objectstorage_object_v1":  {"openstack:objectstorage/containerObject:ContainerObject"},
}

// irregularFunctions is irregular for data sources.
var irregularFunctions = map[string][]string{
	"openstack_dns_zone_v2": {"openstack:dns/getDnsZone:getDnsZone"},
	"openstack_sharedfilesystem_availability_zones_v2": {
		"openstack:sharedfilesystem/getAvailbilityZones:getAvailbilityZones",
	},
	"openstack_lb_flavor_v2": {"openstack:loadbalancer/getLbFlavorDeprecated:getLbFlavorDeprecated"},
}

// lookupAll returns every SDK token a Terraform name answers to, the preferred one first: the
// SDK keeps some classes twice, under the current and a legacy name (loadbalancer.LoadBalancer
// and the top-level LbLoadbalancerV2 both create openstack_lb_loadbalancer_v2).
func lookupAll(index map[string]string, extra map[string][]string, tfName string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(tok string) {
		if tok != "" && !seen[tok] {
			seen[tok] = true
			out = append(out, tok)
		}
	}
	for _, k := range candidates(tfName) {
		add(index[k])
	}
	for _, tok := range extra[tfName] {
		if index[tokenKey(tok)] == tok {
			add(tok)
		}
	}
	return out
}

// tokenKey is the index key of a token string, as Parse computes it.
func tokenKey(tok string) string {
	parts := strings.Split(tok, ":")
	if len(parts) != 3 {
		return ""
	}
	module, name, _ := strings.Cut(parts[1], "/")
	if strings.HasPrefix(name, "get") && parts[2] == name {
		name = strings.TrimPrefix(name, "get")
	}
	return key(module, name)
}

// all lists every token of the table.
func (t Table) all() []string {
	var out []string
	for _, tok := range t.resources {
		out = append(out, tok)
	}
	for _, tok := range t.functions {
		out = append(out, tok)
	}
	return out
}

// Resource returns the preferred SDK token for a Terraform resource name.
func (t Table) Resource(tfName string) (string, bool) {
	return first(lookupAll(t.resources, irregular, tfName))
}

// Function returns the preferred SDK token for a Terraform data source name.
func (t Table) Function(tfName string) (string, bool) {
	return first(lookupAll(t.functions, irregularFunctions, tfName))
}

func first(tokens []string) (string, bool) {
	if len(tokens) == 0 {
		return "", false
	}
	return tokens[0], true
}

// Apply maps every resource and data source of the bridged provider. A Terraform name with no
// SDK token is ignored: the SDK has no class that could send it. A name the SDK knows under a
// second token is served under both, through a clone of its schema (as the bridge's own
// RenameResourceWithAlias does for renamed resources).
func (t Table) Apply(info *tfbridge.ProviderInfo) error {
	info.Resources = map[string]*tfbridge.ResourceInfo{}
	info.DataSources = map[string]*tfbridge.DataSourceInfo{}
	var ignored []string
	for _, name := range names(info, false) {
		toks := lookupAll(t.resources, irregular, name)
		if len(toks) == 0 {
			ignored = append(ignored, name)
			continue
		}
		info.Resources[name] = &tfbridge.ResourceInfo{Tok: tokens.Type(toks[0])}
		for i, tok := range toks[1:] {
			clone := fmt.Sprintf("%s%s%d", name, aliasSuffix, i+1)
			if err := shim.CloneResource(info.P.ResourcesMap(), name, clone); err != nil {
				return fmt.Errorf("serving %s also as %s: %w", name, tok, err)
			}
			info.Resources[clone] = &tfbridge.ResourceInfo{Tok: tokens.Type(tok)}
		}
	}
	for _, name := range names(info, true) {
		toks := lookupAll(t.functions, irregularFunctions, name)
		if len(toks) == 0 {
			ignored = append(ignored, name)
			continue
		}
		info.DataSources[name] = &tfbridge.DataSourceInfo{Tok: tokens.ModuleMember(toks[0])}
		for i, tok := range toks[1:] {
			clone := fmt.Sprintf("%s%s%d", name, aliasSuffix, i+1)
			if err := shim.CloneResource(info.P.DataSourcesMap(), name, clone); err != nil {
				return fmt.Errorf("serving %s also as %s: %w", name, tok, err)
			}
			info.DataSources[clone] = &tfbridge.DataSourceInfo{Tok: tokens.ModuleMember(tok)}
		}
	}
	if len(info.Resources) == 0 {
		return fmt.Errorf("no OpenStack resource matched a pulumi-openstack token")
	}
	info.IgnoreMappings = ignored
	return nil
}

// aliasSuffix names the schema clones that serve a second SDK token.
const aliasSuffix = "_sdk_alias"

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
