// Command pod-security evaluates pod specs against a Pod Security Standards level with the
// evaluator kube-apiserver's PodSecurity admission uses (k8s.io/pod-security-admission/policy).
//
// Input on stdin: a JSON array of {"name": string, "metadata": ObjectMeta, "spec": PodSpec}.
// Output on stdout: a JSON array of {"name": string, "violations": ["<reason>: <detail>", ...]}.
// Usage: pod-security <level> <version>, e.g. `pod-security restricted latest`.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

type podInput struct {
	Name     string            `json:"name"`
	Metadata metav1.ObjectMeta `json:"metadata"`
	Spec     corev1.PodSpec    `json:"spec"`
}

type podResult struct {
	Name       string   `json:"name"`
	Violations []string `json:"violations"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}

func run() error {
	if len(os.Args) != 3 {
		return fmt.Errorf("usage: pod-security <privileged|baseline|restricted> <latest|v1.N>")
	}
	level, err := api.ParseLevel(os.Args[1])
	if err != nil {
		return err
	}
	version, err := api.ParseVersion(os.Args[2])
	if err != nil {
		return err
	}
	evaluator, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		return err
	}
	var pods []podInput
	decoder := json.NewDecoder(os.Stdin)
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&pods); err != nil {
		return fmt.Errorf("reading pods: %w", err)
	}
	results := make([]podResult, 0, len(pods))
	for _, pod := range pods {
		checks := evaluator.EvaluatePod(api.LevelVersion{Level: level, Version: version}, &pod.Metadata, &pod.Spec)
		violations := []string{}
		for _, check := range checks {
			if !check.Allowed {
				violations = append(violations, check.ForbiddenReason+": "+check.ForbiddenDetail)
			}
		}
		results = append(results, podResult{Name: pod.Name, Violations: violations})
	}
	return json.NewEncoder(os.Stdout).Encode(results)
}
