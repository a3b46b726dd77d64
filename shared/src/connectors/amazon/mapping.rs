//! SP-API Orders 2026-01-01 → domain `Order`.

use crate::connectors::money::parse_money;
use crate::domain::{
    self, AccountId, Channel, FulfillmentChannel, Identity, IdentityKind, OrderId, Shipment,
    ShipmentStatus,
};

use super::model;

/// Maps an SP-API order of `account`. `default_marketplace` fills in a missing
/// `salesChannel.marketplaceId`. The order must carry the FULFILLMENT dataset, which decides
/// who owns the tracking answer; PACKAGES and PROCEEDS are used when present.
pub fn to_domain_order(
    order: &model::Order,
    account: &AccountId,
    default_marketplace: &str,
) -> Result<domain::Order, String> {
    let id = OrderId::parse(order.order_id.as_str())
        .map_err(|e| format!("order id '{}': {e}", order.order_id))?;
    let fulfillment = order.fulfillment.as_ref().ok_or_else(|| {
        format!("order {id} has no fulfillment data (includedData=FULFILLMENT missing)")
    })?;
    let channel = match fulfillment.fulfilled_by.as_deref() {
        Some("AMAZON") => FulfillmentChannel::Marketplace,
        Some("MERCHANT") => FulfillmentChannel::Merchant,
        other => {
            // The seller answering a tracking question they cannot is safer than nobody doing so.
            tracing::warn!(order = %id, fulfilled_by = ?other, "unknown fulfilledBy, assuming the merchant ships");
            FulfillmentChannel::Merchant
        }
    };
    let money = |m: &model::Money| {
        parse_money(&m.amount, &m.currency_code).map_err(|e| format!("order {id}: {e}"))
    };
    let items = order
        .order_items
        .iter()
        .map(|item| {
            let product = &item.product;
            let unit_price = product
                .price
                .as_ref()
                .and_then(|p| p.unit_price.as_ref())
                .map(money)
                .transpose()?;
            Ok(domain::OrderItem {
                product_id: product
                    .asin
                    .clone()
                    .or_else(|| product.seller_sku.clone())
                    .unwrap_or_else(|| item.order_item_id.clone()),
                sku: product.seller_sku.clone(),
                title: product.title.clone().unwrap_or_default(),
                quantity: item.quantity_ordered,
                unit_price,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let estimated_delivery = fulfillment
        .deliver_by_window
        .as_ref()
        .and_then(|w| w.latest_date_time);
    let shipments = order
        .packages
        .iter()
        .filter_map(|package| {
            // A package without a tracking number has nothing to track yet.
            let tracking_number = package
                .tracking_number
                .clone()
                .filter(|n| !n.trim().is_empty())?;
            Some(Shipment {
                carrier: carrier_code(package.carrier.as_deref().unwrap_or("unknown")),
                tracking_number,
                tracking_url: None,
                status: package_status(package.package_status.as_ref()),
                events: Vec::new(),
                estimated_delivery,
                checked_at: None,
            })
        })
        .collect();
    let total = order
        .proceeds
        .as_ref()
        .and_then(|p| p.grand_total.as_ref())
        .map(money)
        .transpose()?;
    Ok(domain::Order {
        channel: Channel::Amazon,
        id,
        account: account.clone(),
        marketplace_id: order
            .sales_channel
            .marketplace_id
            .clone()
            .unwrap_or_else(|| default_marketplace.to_owned()),
        status: fulfillment.fulfillment_status.as_str().to_owned(),
        fulfillment: channel,
        purchased_at: order.created_time,
        buyer_name: order.buyer.as_ref().and_then(|b| b.buyer_name.clone()),
        // SP-API's buyer e-mail is the anonymised relay alias the buyer's messages come from.
        buyer_identities: order
            .buyer
            .as_ref()
            .and_then(|b| b.buyer_email.as_deref())
            .map(|alias| vec![Identity::new(IdentityKind::AmazonRelay, alias)])
            .unwrap_or_default(),
        total,
        items,
        shipments,
        updated_at: order.last_updated_time,
        version: 0,
    })
}

fn package_status(status: Option<&model::PackageStatus>) -> ShipmentStatus {
    let Some(status) = status else {
        return ShipmentStatus::Unknown;
    };
    match status.detailed_status.as_deref() {
        Some("OUT_FOR_DELIVERY") => return ShipmentStatus::OutForDelivery,
        Some("DELIVERED") => return ShipmentStatus::Delivered,
        Some(
            "REJECTED_BY_BUYER"
            | "UNDELIVERABLE"
            | "RETURNING_TO_SELLER"
            | "RETURNED_TO_SELLER"
            | "LOST"
            | "DAMAGED"
            | "LABEL_CANCELLED",
        ) => return ShipmentStatus::Exception,
        _ => {}
    }
    match status.status {
        model::PackageState::Pending => ShipmentStatus::LabelCreated,
        model::PackageState::InTransit | model::PackageState::Shipped => ShipmentStatus::InTransit,
        model::PackageState::Delivered => ShipmentStatus::Delivered,
        model::PackageState::Cancelled | model::PackageState::Undeliverable => {
            ShipmentStatus::Exception
        }
        model::PackageState::Unknown => ShipmentStatus::Unknown,
    }
}

/// A carrier name as Amazon writes it (`Royal Mail`, `UPS`, `AMZN_UK`) → a lower-case code
/// (`royal_mail`, `ups`, `amazon_logistics`).
pub fn carrier_code(name: &str) -> String {
    let mut code = String::with_capacity(name.len());
    for c in name.trim().chars() {
        if c.is_alphanumeric() {
            code.extend(c.to_lowercase());
        } else if !code.is_empty() && !code.ends_with('_') {
            code.push('_');
        }
    }
    let code = code.trim_end_matches('_');
    match code {
        "" => "unknown".to_owned(),
        c if c.starts_with("amzn") || c.starts_with("amazon") => "amazon_logistics".to_owned(),
        "united_parcel_service" | "ups_mail_innovations" => "ups".to_owned(),
        "united_states_postal_service" | "us_postal_service" => "usps".to_owned(),
        "federal_express" | "fedex_ground" | "fedex_express" => "fedex".to_owned(),
        "bartolini" | "brt_bartolini" => "brt".to_owned(),
        "deutsche_post_dhl" | "dhl_paket" => "dhl".to_owned(),
        "la_poste_colissimo" => "colissimo".to_owned(),
        c => c.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carrier_names_become_codes() {
        assert_eq!(carrier_code("Royal Mail"), "royal_mail");
        assert_eq!(carrier_code("UPS"), "ups");
        assert_eq!(carrier_code("AMZN_UK"), "amazon_logistics");
        assert_eq!(carrier_code("Poste Italiane"), "poste_italiane");
        assert_eq!(carrier_code("  "), "unknown");
        assert_eq!(carrier_code("Deutsche Post DHL"), "dhl");
    }

    #[test]
    fn detailed_package_status_wins_over_the_coarse_one() {
        let status = |s, d: Option<&str>| {
            package_status(Some(&model::PackageStatus {
                status: s,
                detailed_status: d.map(str::to_owned),
            }))
        };
        assert_eq!(
            status(model::PackageState::InTransit, Some("OUT_FOR_DELIVERY")),
            ShipmentStatus::OutForDelivery
        );
        assert_eq!(
            status(model::PackageState::InTransit, Some("LOST")),
            ShipmentStatus::Exception
        );
        assert_eq!(
            status(model::PackageState::Shipped, None),
            ShipmentStatus::InTransit
        );
        assert_eq!(
            status(model::PackageState::Pending, None),
            ShipmentStatus::LabelCreated
        );
        assert_eq!(package_status(None), ShipmentStatus::Unknown);
    }
}
