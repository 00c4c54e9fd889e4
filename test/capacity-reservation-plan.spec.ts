import { strict as assert } from "assert";
import {
    capacityReservationIdPattern,
    launchTemplateReservation,
} from "../components/plan/capacity-reservation-plan";

describe("capacity reservation plan", () => {
    it("adds nothing to the launch template of a group without a reservation", () => {
        assert.deepEqual(launchTemplateReservation(), {});
    });

    it("targets an On-Demand Capacity Reservation by id, on the default market", () => {
        assert.deepEqual(
            launchTemplateReservation({
                capacityReservationId: "cr-0123456789abcdef0",
                capacityBlock: false,
            }),
            {
                capacityReservationSpecification: {
                    capacityReservationTarget: { capacityReservationId: "cr-0123456789abcdef0" },
                },
            },
        );
    });

    it("targets a Capacity Block by id, on the capacity-block market", () => {
        assert.deepEqual(
            launchTemplateReservation({
                capacityReservationId: "cr-0123456789abcdef0",
                capacityBlock: true,
            }),
            {
                capacityReservationSpecification: {
                    capacityReservationTarget: { capacityReservationId: "cr-0123456789abcdef0" },
                },
                instanceMarketOptions: { marketType: "capacity-block" },
            },
        );
    });

    for (const [id, valid] of [
        ["cr-01234567", true],
        ["cr-0123456789abcdef0", true],
        ["cr-0123456", false],
        ["cr-0123456789abcdef01", false],
        ["xcr-0123456789abcdef0", false],
        ["cr-0123456789ABCDEF0", false],
    ] as const)
        it(`${valid ? "accepts" : "rejects"} the reservation id ${id}`, () => {
            assert.equal(capacityReservationIdPattern.test(id), valid);
        });
});
