//go:build tools

// Package tools keeps the packages that cmd/pulumi-resource-kubernetes (main.go and
// generate.go, copied from the provider module by scripts/build-tools.sh at build
// time together with the generated schema-embed.json) imports in this module's
// build list, so that go.mod/go.sum stay complete and tidy.
package tools

import (
	_ "github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	_ "github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
	_ "github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)
