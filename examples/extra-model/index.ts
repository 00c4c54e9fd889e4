// Pulumi program entry (Pulumi.yaml `main`): the program lives in program.ts, where specs call it.
import { deployExtraModel } from "./program";

export = deployExtraModel();
