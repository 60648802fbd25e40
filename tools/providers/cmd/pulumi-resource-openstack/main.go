// Command pulumi-resource-openstack serves the upstream Terraform OpenStack provider to the
// Pulumi engine through the Terraform bridge, under the tokens of the pulumi-openstack Python SDK.
//
// The pulumi-openstack provider module (which holds upstream's hand-written mapping from
// Terraform names to Pulumi tokens) is not served by the module proxy this project builds
// from. The mapping is therefore recovered from the SDK itself: tools/providers/openstack/
// tokens.txt lists every token the pinned pulumi-openstack SDK sends, and each Terraform name
// is matched to the token whose module and name spell the same words (openstack_compute_
// instance_v2 -> openstack:compute/instance:Instance, with or without the _v2 suffix).
package main

import (
	"fmt"
	"os"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
	"github.com/terraform-provider-openstack/terraform-provider-openstack/v3/openstack"

	"sovereignhub/tools/providers/openstack/tokenmap"
)

// version is stamped at build time (-ldflags -X main.version=...) from tools/versions.env.
var version = "0.0.0-dev"

func main() {
	prov := shimv2.NewProvider(openstack.Provider())
	info := tfbridge.ProviderInfo{
		Name:         "openstack",
		Version:      version,
		P:            prov,
		MetadataInfo: tfbridge.NewProviderMetadata([]byte("{}")),
	}
	table := tokenmap.Load()
	if err := table.Apply(&info); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// pulumi-openstack lets a program omit `name` and derives one from the resource name plus a
	// random suffix; the SDK marks `name` optional accordingly, so the plugin must do the same.
	info.SetAutonaming(255, "-")
	// The engine never asks for the schema while running a Python program; see the TLS plugin.
	schema := []byte(fmt.Sprintf(`{"name":"openstack","version":%q}`, version))
	tfbridge.Main("openstack", version, info, schema)
}
