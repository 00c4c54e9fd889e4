import * as pulumi from "@pulumi/pulumi";
import { mocks } from "./mocks";

// Components are constructed only after mocks are in place; render() swaps in a recording monitor per run.
pulumi.runtime.setMocks(mocks, "gpu-serving-infra", "test", false);
