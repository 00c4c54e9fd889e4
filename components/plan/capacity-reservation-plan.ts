/**
 * On-demand Capacity Reservations (ODCRs) and Capacity Blocks for ML on managed node groups: the
 * launch template targets the reservation by id, and a Capacity Block also needs the
 * `capacity-block` market type and the node group's `CAPACITY_BLOCK` capacity type (EKS user guide,
 * "Capacity Blocks for ML"). Karpenter takes the same ids as `capacityReservationSelectorTerms`.
 */

/** A reservation a GPU node group launches into. */
export interface NodeGroupReservation {
    /** `cr-…`: an ODCR or a Capacity Block. */
    capacityReservationId: string;
    /** True for a Capacity Block for ML (a time-boxed block; the group can only scale inside it). */
    capacityBlock: boolean;
}

export const capacityReservationIdPattern = /^cr-[0-9a-f]{8,17}$/;

/** Launch template fields that send every instance of the group into the reservation. */
export function launchTemplateReservation(reservation?: NodeGroupReservation): {
    capacityReservationSpecification?: {
        capacityReservationTarget: { capacityReservationId: string };
    };
    instanceMarketOptions?: { marketType: string };
} {
    if (!reservation) return {};
    return {
        capacityReservationSpecification: {
            capacityReservationTarget: { capacityReservationId: reservation.capacityReservationId },
        },
        ...(reservation.capacityBlock
            ? { instanceMarketOptions: { marketType: "capacity-block" } }
            : {}),
    };
}
