//! Routes a tracking number to the carrier that can answer for it.

use crate::connectors::TrackingLookup;
use crate::connectors::error::{CallContext, ConnectorError};
use crate::domain::{Shipment, ShipmentStatus};

use super::{
    AftershipTracking, Carrier, DhlTracking, FedexTracking, UpsTracking, UspsTracking, detect, wire,
};

/// Which carrier a lookup goes to: the marketplace's carrier name if it names one, otherwise
/// the most likely carrier detected from the number. `None` if neither tells.
pub fn resolve(carrier_name: Option<&str>, number: &str) -> Option<Carrier> {
    carrier_name
        .and_then(Carrier::from_name)
        .or_else(|| detect(number).into_iter().next())
}

/// A [`TrackingLookup`] over the carrier clients that are configured.
///
/// DHL, UPS, FedEx and USPS go to their own APIs when their credentials are set; every other
/// registry carrier (and those four without credentials) goes through the AfterShip
/// aggregator when its key is set. A carrier neither can answer for (no client, or AfterShip
/// cannot follow the number) still gets a shipment: status [`ShipmentStatus::Unknown`], no
/// events, `checked_at` unset, and the registry's public tracking URL, so a reply can link to
/// it. `None` means that no carrier could be told, or that the carrier has no record of the
/// number.
#[derive(Debug, Default)]
pub struct CarrierTracker {
    dhl: Option<DhlTracking>,
    ups: Option<UpsTracking>,
    fedex: Option<FedexTracking>,
    usps: Option<UspsTracking>,
    aftership: Option<AftershipTracking>,
}

impl CarrierTracker {
    /// A tracker without live clients: public URLs only.
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_dhl(mut self, client: DhlTracking) -> Self {
        self.dhl = Some(client);
        self
    }

    pub fn with_ups(mut self, client: UpsTracking) -> Self {
        self.ups = Some(client);
        self
    }

    pub fn with_fedex(mut self, client: FedexTracking) -> Self {
        self.fedex = Some(client);
        self
    }

    pub fn with_usps(mut self, client: UspsTracking) -> Self {
        self.usps = Some(client);
        self
    }

    pub fn with_aftership(mut self, client: AftershipTracking) -> Self {
        self.aftership = Some(client);
        self
    }

    /// Whether a live client answers for `carrier`.
    pub fn is_live(&self, carrier: &Carrier) -> bool {
        let direct = match carrier {
            Carrier::Dhl => self.dhl.is_some(),
            Carrier::Ups => self.ups.is_some(),
            Carrier::Fedex => self.fedex.is_some(),
            Carrier::Usps => self.usps.is_some(),
            _ => false,
        };
        direct || (self.aftership.is_some() && super::aftership::slug(carrier).is_some())
    }
}

/// The registry's public tracking page on a shipment that has none (a channel gave only the
/// carrier and number), so no shipment is shown or quoted without a link when one exists.
pub fn ensure_link(shipment: &mut Shipment) {
    if shipment.tracking_url.is_some() {
        return;
    }
    let carrier = Some(shipment.carrier.as_str()).filter(|c| !c.is_empty());
    if let Some(carrier) = resolve(carrier, &shipment.tracking_number) {
        shipment.tracking_url = carrier.tracking_url(&shipment.tracking_number);
    }
}

/// What is known without asking the carrier.
pub fn link_only(carrier: &Carrier, number: &str) -> Shipment {
    Shipment {
        carrier: carrier.code().to_owned(),
        tracking_number: number.to_owned(),
        tracking_url: carrier.tracking_url(number),
        status: ShipmentStatus::Unknown,
        events: Vec::new(),
        estimated_delivery: None,
        checked_at: None,
    }
}

impl TrackingLookup for CarrierTracker {
    async fn track(
        &self,
        carrier: Option<&str>,
        number: &str,
    ) -> Result<Option<Shipment>, ConnectorError> {
        let ctx = CallContext::new("carriers", "-", "track");
        let number = wire::checked_number(&ctx, number)?;
        let Some(carrier) = resolve(carrier, &number) else {
            return Ok(None);
        };
        match (&carrier, &self.dhl, &self.ups, &self.fedex, &self.usps) {
            (Carrier::Dhl, Some(dhl), ..) => dhl.track(&number).await,
            (Carrier::Ups, _, Some(ups), ..) => ups.track(&number).await,
            (Carrier::Fedex, _, _, Some(fedex), _) => fedex.track(&number).await,
            (Carrier::Usps, .., Some(usps)) => usps.track(&number).await,
            _ => match &self.aftership {
                Some(aggregator) if super::aftership::slug(&carrier).is_some() => {
                    let live = aggregator.track(&carrier, &number).await?;
                    Ok(Some(live.unwrap_or_else(|| link_only(&carrier, &number))))
                }
                _ => Ok(Some(link_only(&carrier, &number))),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marketplace_name_wins_over_detection() {
        assert_eq!(
            resolve(Some("DHL"), "1Z999AA10123456784"),
            Some(Carrier::Dhl)
        );
        assert_eq!(resolve(None, "1Z999AA10123456784"), Some(Carrier::Ups));
        assert_eq!(
            resolve(Some("Other"), "1Z999AA10123456784"),
            Some(Carrier::Ups)
        );
        assert_eq!(resolve(None, "not a number"), None);
    }

    #[tokio::test]
    async fn a_carrier_without_a_client_gets_its_public_link_and_an_unknown_status() {
        let tracker = CarrierTracker::new();
        let shipment = tracker
            .track(Some("Poste Italiane"), "rr123456785it")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(shipment.carrier, "poste_italiane");
        assert_eq!(shipment.tracking_number, "RR123456785IT");
        assert_eq!(shipment.status, ShipmentStatus::Unknown);
        assert_eq!(shipment.checked_at, None);
        assert!(shipment.tracking_url.unwrap().contains("RR123456785IT"));
    }

    #[tokio::test]
    async fn an_unrecognisable_number_is_none_and_a_malformed_one_an_error() {
        let tracker = CarrierTracker::new();
        assert_eq!(tracker.track(None, "12345").await.unwrap(), None);
        let err = tracker.track(None, "12/45").await.unwrap_err();
        assert!(matches!(
            err.kind,
            crate::connectors::ErrorKind::InvalidRequest(_)
        ));
    }
}
