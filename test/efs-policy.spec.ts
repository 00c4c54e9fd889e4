import { strict as assert } from "assert";
import { efsFileSystemPolicy, efsMountOptions } from "../components/plan/efs-policy";

const arn = "arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/fs-1";

describe("EFS file-system policy", () => {
    it("lets clients mount and write only through a mount target, without root access", () => {
        const [allow] = (efsFileSystemPolicy(arn) as any).Statement;
        assert.deepEqual(allow, {
            Sid: "MountAndWriteThroughMountTargets",
            Effect: "Allow",
            Principal: { AWS: "*" },
            Action: ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
            Resource: arn,
            Condition: { Bool: { "elasticfilesystem:AccessedViaMountTarget": "true" } },
        });
    });

    it("denies everything over a connection without TLS", () => {
        const [, deny] = (efsFileSystemPolicy(arn) as any).Statement;
        assert.deepEqual(deny, {
            Sid: "DenyWithoutTls",
            Effect: "Deny",
            Principal: { AWS: "*" },
            Action: "*",
            Resource: arn,
            Condition: { Bool: { "aws:SecureTransport": "false" } },
        });
    });

    it("is a 2012-10-17 policy of exactly those two statements", () => {
        const policy = efsFileSystemPolicy(arn) as any;
        assert.equal(policy.Version, "2012-10-17");
        assert.equal(policy.Statement.length, 2);
    });

    it("mounts with TLS, which the policy requires", () => {
        assert.deepEqual(efsMountOptions, ["tls"]);
    });
});
