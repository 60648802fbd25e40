// Command pulumi-resource-tls serves the upstream Terraform TLS provider to the Pulumi engine
// through the Terraform bridge, under the resource tokens of the pulumi-tls Python SDK.
//
// The pulumi-tls provider module is not served by the module proxy this project builds from,
// so the mapping lives here: every tls_<name> resource becomes tls:index/<name>:<Name> and
// every data source tls:index/get<Name>:get<Name>, which is the naming pulumi-tls uses.
package main

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-provider-tls/shim"
	pfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
)

// version is stamped at build time (-ldflags -X main.version=...) from tools/versions.env.
var version = "0.0.0-dev"

func main() {
	ctx := context.Background()
	info := tfbridge.ProviderInfo{
		Name:         "tls",
		Version:      version,
		P:            pfbridge.ShimProviderWithContext(ctx, shim.NewProvider()),
		MetadataInfo: tfbridge.NewProviderMetadata([]byte("{}")),
	}
	info.MustComputeTokens(tokens.SingleModule("tls_", "index", tokens.MakeStandard("tls")))
	pfbridge.Main(ctx, "tls", info, pfbridge.ProviderMetadata{PackageSchema: minimalSchema("tls")})
}

// minimalSchema names the package without describing it: the engine never asks a provider
// for its schema while running a Python program, and generating the full schema needs the
// upstream documentation, which is not part of the Go module.
func minimalSchema(name string) []byte {
	return []byte(fmt.Sprintf(`{"name":%q,"version":%q}`, name, version))
}
