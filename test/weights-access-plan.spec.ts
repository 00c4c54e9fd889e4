import { strict as assert } from "assert";
import {
    parseS3Source,
    serverStreamsFromS3,
    servingReadsFromS3,
    stagingServiceAccountName,
    weightsReadStatements,
} from "../components/plan/weights-access-plan";

describe("weights access plan", () => {
    it("splits an S3 source into bucket and prefix, trimming slashes", () => {
        assert.deepEqual(parseS3Source("s3://models/llama/2024-07-23/"), {
            bucket: "models",
            prefix: "llama/2024-07-23",
        });
        assert.deepEqual(parseS3Source("s3://models"), { bucket: "models", prefix: "" });
        assert.equal(parseS3Source("hf://meta-llama/Llama-3.1-8B"), undefined);
        assert.equal(parseS3Source("S3://models/x"), undefined);
    });

    it("names the staging ServiceAccount apart from the serving one", () => {
        assert.equal(stagingServiceAccountName("llama"), "llama-staging");
    });

    it("lets only the Run:ai streamer reading an s3:// path need a serving role", () => {
        assert.equal(servingReadsFromS3("runai_streamer", "s3://m/llama"), true);
        assert.equal(servingReadsFromS3("runai_streamer", "/models/llama/1"), false);
        assert.equal(servingReadsFromS3("safetensors", "s3://m/llama"), false);
        assert.equal(servingReadsFromS3(undefined, "s3://m/llama"), false);
    });

    it("scopes listing of a whole-bucket source to nothing narrower than the bucket", () => {
        const [list, read] = weightsReadStatements({
            partition: "aws",
            region: "us-west-2",
            location: { bucket: "models", prefix: "" },
        });
        assert.equal(list.conditions, undefined);
        assert.deepEqual(read.resources, ["arn:aws:s3:::models/*"]);
    });

    it("adds kms:Decrypt through S3 of that region only when a key is given", () => {
        const location = { bucket: "models", prefix: "llama" };
        const plain = weightsReadStatements({
            partition: "aws-cn",
            region: "cn-north-1",
            location,
        });
        assert.deepEqual(
            plain.map((s) => s.sid),
            ["ListWeightsPrefix", "ReadWeights"],
        );
        assert.deepEqual(plain[1].resources, ["arn:aws-cn:s3:::models/llama/*"]);
        const withKey = weightsReadStatements({
            partition: "aws-cn",
            region: "cn-north-1",
            location,
            kmsKeyArn: "arn:aws-cn:kms:cn-north-1:1:key/k",
        });
        assert.deepEqual(withKey[2].conditions, [
            {
                test: "StringEquals",
                variable: "kms:ViaService",
                values: ["s3.cn-north-1.amazonaws.com"],
            },
        ]);
    });
    it("refuses a source with anything before s3:// or a space in the bucket", () => {
        assert.equal(parseS3Source("xs3://models/llama"), undefined);
        assert.equal(parseS3Source("s3://my models/llama"), undefined);
    });

    it("trims every leading and trailing slash of the prefix", () => {
        assert.deepEqual(parseS3Source("s3://models///llama/1//"), {
            bucket: "models",
            prefix: "llama/1",
        });
    });

    it("streams from S3 only for a vLLM Run:ai streamer with an s3:// source inside AWS", () => {
        const streaming = {
            runtime: "vllm",
            loadFormat: "runai_streamer",
            weightsSource: "s3://models/llama/1",
        };
        assert.equal(serverStreamsFromS3(streaming), true);
        assert.equal(serverStreamsFromS3({ ...streaming, weightsSource: "hf://org/llama" }), false);
        assert.equal(
            serverStreamsFromS3({ ...streaming, weightsEndpoint: "http://10.0.0.1:9000" }),
            false,
        );
        assert.equal(serverStreamsFromS3({ ...streaming, runtime: "custom" }), false);
    });

    it("lists a prefix only under that prefix and reads only its objects, without KMS", () => {
        assert.deepEqual(
            weightsReadStatements({
                partition: "aws",
                region: "us-west-2",
                location: { bucket: "models", prefix: "llama/1" },
            }),
            [
                {
                    sid: "ListWeightsPrefix",
                    actions: ["s3:ListBucket"],
                    resources: ["arn:aws:s3:::models"],
                    conditions: [
                        { test: "StringLike", variable: "s3:prefix", values: ["llama/1/*"] },
                    ],
                },
                {
                    sid: "ReadWeights",
                    actions: ["s3:GetObject"],
                    resources: ["arn:aws:s3:::models/llama/1/*"],
                },
            ],
        );
    });

    it("decrypts with the given key only", () => {
        const [, , decrypt] = weightsReadStatements({
            partition: "aws",
            region: "us-west-2",
            location: { bucket: "models", prefix: "" },
            kmsKeyArn: "arn:aws:kms:us-west-2:1:key/k",
        });
        assert.deepEqual(
            [decrypt.sid, decrypt.actions, decrypt.resources],
            ["DecryptWeightsThroughS3", ["kms:Decrypt"], ["arn:aws:kms:us-west-2:1:key/k"]],
        );
    });
});
