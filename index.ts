// Pulumi program entry (Pulumi.yaml `main`): everything lives in stacks/.
import { main } from "./stacks";

export = main();
