// Package openstack embeds the token list generated from the pulumi-openstack Python SDK.
package openstack

import _ "embed"

// Tokens is tokens.txt: a comment line, then one Pulumi token a line.
//
//go:embed tokens.txt
var Tokens string
