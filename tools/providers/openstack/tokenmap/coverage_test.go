package tokenmap

import (
	"sort"
	"testing"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
	"github.com/terraform-provider-openstack/terraform-provider-openstack/v3/openstack"
)

// notInUpstream are SDK classes whose Terraform resource is newer than the upstream provider
// the module proxy serves (terraform-provider-openstack v3.4.0 has openstack_workflow_workflow_v2
// as a data source only).
var notInUpstream = map[string]bool{
	"openstack:index/workflowWorkflowV2:WorkflowWorkflowV2": true,
}

// Every class of the pinned pulumi-openstack SDK must reach a Terraform resource or data
// source; a token without one would fail at run time with "unknown resource type".
func TestEverySDKTokenIsServedByTheBridgedProvider(t *testing.T) {
	info := tfbridge.ProviderInfo{Name: "openstack", P: shimv2.NewProvider(openstack.Provider())}
	table := Load()
	if err := table.Apply(&info); err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	for _, r := range info.Resources {
		served[string(r.Tok)] = true
	}
	for _, d := range info.DataSources {
		served[string(d.Tok)] = true
	}
	var missing []string
	for _, tok := range table.all() {
		if !served[tok] && !notInUpstream[tok] {
			missing = append(missing, tok)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d SDK tokens have no Terraform counterpart:\n%v", len(missing), missing)
	}
}

func TestTheUnservableTokensAreReallyAbsentUpstream(t *testing.T) {
	info := tfbridge.ProviderInfo{Name: "openstack", P: shimv2.NewProvider(openstack.Provider())}
	if err := Load().Apply(&info); err != nil {
		t.Fatal(err)
	}
	for _, r := range info.Resources {
		if notInUpstream[string(r.Tok)] {
			t.Errorf("%s is served now: drop it from notInUpstream", r.Tok)
		}
	}
}

func TestLegacyDuplicatesAreServedUnderBothTokens(t *testing.T) {
	info := tfbridge.ProviderInfo{Name: "openstack", P: shimv2.NewProvider(openstack.Provider())}
	if err := Load().Apply(&info); err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	for _, r := range info.Resources {
		served[string(r.Tok)] = true
	}
	for _, tok := range []string{
		"openstack:loadbalancer/loadBalancer:LoadBalancer",
		"openstack:index/lbLoadbalancerV2:LbLoadbalancerV2",
	} {
		if !served[tok] {
			t.Errorf("%s is not served", tok)
		}
	}
}
