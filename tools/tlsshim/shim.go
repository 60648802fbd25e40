// Package shim exposes the upstream TLS provider to the Pulumi bridge.
package shim

import (
	"github.com/hashicorp/terraform-plugin-framework/provider"

	tls "github.com/hashicorp/terraform-provider-tls/internal/provider"
)

// NewProvider returns the upstream Terraform plugin-framework provider for TLS.
func NewProvider() provider.Provider {
	return tls.New()
}
