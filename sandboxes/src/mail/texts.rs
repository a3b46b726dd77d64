//! What buyers, sellers and Amazon write, in it, de, fr, es and en. `{order}` is replaced by
//! the order id (Amazon) or name (`#1003`, the store).

use super::Topic;

pub(super) fn question(topic: Topic, language: &str) -> &'static str {
    use Topic::*;
    match (language, topic) {
        ("it", WhereIsMyOrder) => {
            "Buongiorno, ho ordinato {order} più di una settimana fa e il tracciamento non si aggiorna da giorni. Potete dirmi dove si trova il mio pacco e quando arriverà? Grazie mille."
        }
        ("it", Return) => {
            "Salve, la giacca dell’ordine {order} è troppo piccola e vorrei restituirla. Come posso fare il reso? Devo stampare un’etichetta per la spedizione? Grazie."
        }
        ("it", Refund) => {
            "Buongiorno, ho rispedito l'articolo dell'ordine {order} due settimane fa e dovreste averlo ricevuto. Quando riceverò il rimborso? Sulla carta non vedo ancora nulla."
        }
        ("it", Damaged) => {
            "Salve, il pacco dell'ordine {order} è arrivato oggi ma la scatola era schiacciata e la tazza all'interno è rotta. Vi allego una foto. Potete mandarmene un'altra per favore?"
        }
        ("it", Cancellation) => {
            "Buonasera, ho effettuato l'ordine {order} per errore stamattina. Vi prego di annullarlo prima della spedizione perché non mi serve più. Grazie mille."
        }
        ("it", ProductQuestion) => {
            "Buongiorno, prima di ordinare di nuovo vorrei sapere se la borraccia del mio ordine {order} si può lavare in lavastoviglie e se mantiene fredde le bevande tutto il giorno."
        }
        ("it", Invoice) => {
            "Buon pomeriggio, mi serve la fattura con i dati della mia azienda per l'ordine {order} per la contabilità. Potete inviarmela in formato PDF? Grazie."
        }
        ("de", WhereIsMyOrder) => {
            "Guten Tag, ich habe {order} vor über einer Woche bestellt und die Sendungsverfolgung zeigt seit Tagen nichts Neues. Können Sie mir bitte sagen, wo mein Paket ist und wann es ankommt? Vielen Dank."
        }
        ("de", Return) => {
            "Hallo, die Jacke aus der Bestellung {order} ist mir leider zu klein und ich möchte sie zurückschicken. Wie funktioniert die Rücksendung und brauche ich dafür ein Etikett?"
        }
        ("de", Refund) => {
            "Guten Morgen, ich habe den Artikel aus der Bestellung {order} vor zwei Wochen zurückgeschickt. Wann bekomme ich mein Geld zurück? Auf meiner Karte ist noch nichts angekommen."
        }
        ("de", Damaged) => {
            "Hallo, das Paket zur Bestellung {order} kam heute an, aber der Karton war eingedrückt und die Tasse darin ist zerbrochen. Ein Foto ist im Anhang. Können Sie mir bitte Ersatz schicken?"
        }
        ("de", Cancellation) => {
            "Guten Abend, ich habe die Bestellung {order} heute Morgen aus Versehen aufgegeben. Bitte stornieren Sie sie, bevor sie verschickt wird, ich brauche sie nicht mehr. Danke."
        }
        ("de", ProductQuestion) => {
            "Guten Tag, bevor ich noch einmal bestelle: Ist die Trinkflasche aus meiner Bestellung {order} spülmaschinenfest und hält sie Getränke wirklich den ganzen Tag kalt?"
        }
        ("de", Invoice) => {
            "Guten Tag, für meine Buchhaltung benötige ich eine Rechnung mit meinen Firmendaten zur Bestellung {order}. Könnten Sie mir diese bitte als PDF zusenden? Vielen Dank."
        }
        ("fr", WhereIsMyOrder) => {
            "Bonjour, j’ai commandé {order} il y a plus d'une semaine et le suivi du colis ne bouge plus depuis plusieurs jours. Pouvez-vous me dire où se trouve mon colis et quand il arrivera ? Merci beaucoup."
        }
        ("fr", Return) => {
            "Bonjour, la veste de la commande {order} est trop petite pour moi et je voudrais la renvoyer. Comment faire le retour et dois-je imprimer une étiquette ? Merci d'avance."
        }
        ("fr", Refund) => {
            "Bonjour, j'ai renvoyé l'article de la commande {order} il y a deux semaines et vous avez dû le recevoir. Quand serai-je remboursé ? Je ne vois toujours rien sur ma carte."
        }
        ("fr", Damaged) => {
            "Bonjour, le colis de la commande {order} est arrivé aujourd'hui mais le carton était écrasé et la tasse à l'intérieur est cassée. Je vous joins une photo. Pouvez-vous m'en renvoyer une ?"
        }
        ("fr", Cancellation) => {
            "Bonsoir, j'ai passé la commande {order} par erreur ce matin. Merci de l'annuler avant l'expédition, je n'en ai plus besoin. Je vous remercie et vous souhaite une bonne journée."
        }
        ("fr", ProductQuestion) => {
            "Bonjour, avant de commander à nouveau : la gourde de ma commande {order} passe-t-elle au lave-vaisselle et garde-t-elle les boissons fraîches toute la journée ?"
        }
        ("fr", Invoice) => {
            "Bonjour, j'ai besoin d'une facture avec les coordonnées de mon entreprise pour la commande {order} pour ma comptabilité. Pourriez-vous me l'envoyer en PDF ? Merci."
        }
        ("es", WhereIsMyOrder) => {
            "Hola, hice el pedido {order} hace más de una semana y el seguimiento no se actualiza desde hace días. ¿Podrían decirme dónde está mi paquete y cuándo llegará? Muchas gracias."
        }
        ("es", Return) => {
            "Hola, la chaqueta del pedido {order} me queda pequeña y quisiera devolverla. ¿Cómo hago la devolución y tengo que imprimir una etiqueta? Gracias de antemano."
        }
        ("es", Refund) => {
            "Buenos días, devolví el artículo del pedido {order} hace dos semanas y ya deberían haberlo recibido. ¿Cuándo recibiré el reembolso? Todavía no veo nada en mi tarjeta."
        }
        ("es", Damaged) => {
            "Hola, el paquete del pedido {order} llegó hoy pero la caja estaba aplastada y la taza de dentro está rota. Les adjunto una foto. ¿Pueden enviarme otra, por favor?"
        }
        ("es", Cancellation) => {
            "Buenas tardes, esta mañana hice el pedido {order} por error. Por favor, cancélenlo antes de enviarlo porque ya no lo necesito. Muchas gracias por su ayuda."
        }
        ("es", ProductQuestion) => {
            "Hola, antes de volver a comprar: ¿la botella de mi pedido {order} se puede lavar en el lavavajillas y mantiene las bebidas frías durante todo el día?"
        }
        ("es", Invoice) => {
            "Buenas tardes, necesito una factura con los datos de mi empresa para el pedido {order} para mi contabilidad. ¿Podrían enviármela en PDF? Gracias."
        }
        (_, WhereIsMyOrder) => {
            "Hello, I ordered {order} more than a week ago and the tracking page has not changed since it was shipped. Could you please tell me where my parcel is and when it will arrive? Thank you."
        }
        (_, Return) => {
            "Hi, the jacket from order {order} is too small for me and I would like to send it back. How do I return it, and do I need to print a label? Thanks in advance."
        }
        (_, Refund) => {
            "Good morning, I sent back the item from order {order} two weeks ago and you should have received it. When will I get my refund? I have not seen any money on my card yet."
        }
        (_, Damaged) => {
            "Hello, the parcel for order {order} arrived today but the box was crushed and the mug inside is broken. I attached a photo. Can you send a replacement please?"
        }
        (_, Cancellation) => {
            "Hi, I placed order {order} by mistake this morning. Please cancel it before it ships, I do not need it anymore. Thank you very much for your help."
        }
        (_, ProductQuestion) => {
            "Hello, before I order again: is the water bottle from my order {order} dishwasher safe, and does it really keep drinks cold for a whole day? Thanks for your help."
        }
        (_, Invoice) => {
            "Good afternoon, I need an invoice with my company details for order {order} for my accounting. Could you please send it to me as a PDF? Many thanks."
        }
    }
}

pub(super) fn follow_up(language: &str) -> &'static str {
    match language {
        "it" => {
            "Salve di nuovo, non ho ancora ricevuto nessuna notizia sulla mia richiesta. Potete aggiornarmi il prima possibile? Per me è abbastanza urgente."
        }
        "de" => {
            "Hallo nochmal, ich habe zu meiner Anfrage noch immer keine Neuigkeiten erhalten. Können Sie mir bitte so schnell wie möglich Bescheid geben? Es ist mir wichtig."
        }
        "fr" => {
            "Bonjour à nouveau, je n'ai toujours reçu aucune nouvelle concernant ma demande. Pouvez-vous me tenir au courant le plus vite possible ? C'est assez urgent pour moi."
        }
        "es" => {
            "Hola de nuevo, todavía no he recibido ninguna noticia sobre mi solicitud. ¿Podrían informarme lo antes posible? Es bastante urgente para mí."
        }
        _ => {
            "Hello again, I still have not received any news about my request. Could you please give me an update as soon as possible? It is quite urgent for me."
        }
    }
}

/// The seller's earlier reply, quoted in follow-ups.
pub(super) fn seller_reply(language: &str) -> &'static str {
    match language {
        "it" => {
            "Gentile cliente, grazie per il messaggio. Stiamo verificando con il corriere e le risponderemo al più presto."
        }
        "de" => {
            "Sehr geehrte Kundin, sehr geehrter Kunde, vielen Dank für Ihre Nachricht. Wir prüfen das mit dem Versanddienst und melden uns in Kürze."
        }
        "fr" => {
            "Chère cliente, cher client, merci pour votre message. Nous vérifions auprès du transporteur et revenons vers vous rapidement."
        }
        "es" => {
            "Estimado cliente, gracias por su mensaje. Estamos consultando con el transportista y le responderemos en breve."
        }
        _ => {
            "Dear customer, thank you for your message. We are checking with the carrier and will get back to you shortly."
        }
    }
}

/// "On {date}, {who} wrote:" as mail clients write it.
pub(super) fn attribution(language: &str, date: &str, who: &str) -> String {
    match language {
        "it" => format!("Il {date}, {who} ha scritto:"),
        "de" => format!("Am {date} schrieb {who}:"),
        "fr" => format!("Le {date}, {who} a écrit :"),
        "es" => format!("El {date}, {who} escribió:"),
        _ => format!("On {date}, {who} wrote:"),
    }
}

/// Amazon's relay wrapper: subject, intro, start and end markers, footer.
pub(super) struct Relay {
    pub subject: &'static str,
    pub intro: &'static str,
    pub start: &'static str,
    pub end: &'static str,
    pub footer: &'static str,
}

pub(super) fn relay(language: &str) -> Relay {
    match language {
        "it" => Relay {
            subject: "Richiesta dal cliente Amazon {name} (Ordine: {order})",
            intro: "Hai ricevuto un messaggio da un cliente Amazon.",
            start: "------------- Messaggio: -------------",
            end: "------------- Fine messaggio -------------",
            footer: "Per rispondere a questo cliente, rispondi a questa e-mail oppure visita la pagina Messaggi acquirente-venditore in Seller Central.\r\n\r\nOrdine: {order}\r\n\r\nCopyright 2026 Amazon.com, Inc. o società affiliate. Tutti i diritti riservati.",
        },
        "de" => Relay {
            subject: "Anfrage von Amazon-Kunde {name} (Bestellung: {order})",
            intro: "Sie haben eine Nachricht von einem Amazon-Kunden erhalten.",
            start: "------------- Nachricht: -------------",
            end: "------------- Ende der Nachricht -------------",
            footer: "Um diesem Kunden zu antworten, antworten Sie auf diese E-Mail oder besuchen Sie die Seite Käufer-Verkäufer-Nachrichten in Seller Central.\r\n\r\nBestellung: {order}\r\n\r\nCopyright 2026 Amazon.com, Inc. oder Tochtergesellschaften.",
        },
        "fr" => Relay {
            subject: "Demande de renseignements du client Amazon {name} (Commande : {order})",
            intro: "Vous avez reçu un message d'un client Amazon.",
            start: "------------- Message : -------------",
            end: "------------- Fin du message -------------",
            footer: "Pour répondre à ce client, répondez à cet e-mail ou rendez-vous sur la page Messages acheteur-vendeur de Seller Central.\r\n\r\nCommande : {order}\r\n\r\nCopyright 2026 Amazon.com, Inc. ou ses filiales.",
        },
        "es" => Relay {
            subject: "Consulta del cliente de Amazon {name} (Pedido: {order})",
            intro: "Has recibido un mensaje de un cliente de Amazon.",
            start: "------------- Mensaje: -------------",
            end: "------------- Fin del mensaje -------------",
            footer: "Para responder a este cliente, responde a este e-mail o visita la página Mensajes entre compradores y vendedores de Seller Central.\r\n\r\nPedido: {order}\r\n\r\nCopyright 2026 Amazon.com, Inc. o sus afiliados.",
        },
        _ => Relay {
            subject: "Inquiry from Amazon customer {name} (Order: {order})",
            intro: "You have received a message from an Amazon customer.",
            start: "------------- Message: -------------",
            end: "------------- End message -------------",
            footer: "To respond to this customer, reply to this e-mail or visit the Buyer-Seller Messages page in Seller Central.\r\n\r\nOrder ID: {order}\r\n\r\nCopyright 2026 Amazon.com, Inc. or its affiliates. All rights reserved.",
        },
    }
}

/// An A-to-z claim notice: subject and body (`{order}`, `{amount}`).
pub(super) fn atoz(language: &str) -> (&'static str, &'static str) {
    match language {
        "it" => (
            "Reclamo con Garanzia dalla A alla Z per l'ordine {order}",
            "Gentile venditore,\r\n\r\nl'acquirente ha presentato un reclamo con Garanzia dalla A alla Z per l'ordine {order}.\r\n\r\nMotivo del reclamo: articolo non ricevuto\r\nImporto del reclamo: {amount}\r\n\r\nTi chiediamo di rispondere entro 3 giorni tramite Seller Central indicando i dati di tracciamento della spedizione.\r\n\r\nCordiali saluti,\r\nServizio Clienti Amazon",
        ),
        "de" => (
            "A-bis-z-Garantieantrag für Bestellung {order}",
            "Sehr geehrter Verkäufer,\r\n\r\nder Käufer hat für die Bestellung {order} einen Antrag auf die A-bis-z-Garantie gestellt.\r\n\r\nGrund des Antrags: Artikel nicht erhalten\r\nBetrag: {amount}\r\n\r\nBitte antworten Sie innerhalb von 3 Tagen über Seller Central und geben Sie die Sendungsverfolgung an.\r\n\r\nMit freundlichen Grüßen\r\nAmazon Kundenservice",
        ),
        "fr" => (
            "Réclamation au titre de la garantie A à Z pour la commande {order}",
            "Cher vendeur,\r\n\r\nL'acheteur a déposé une réclamation au titre de la garantie A à Z pour la commande {order}.\r\n\r\nMotif de la réclamation : article non reçu\r\nMontant : {amount}\r\n\r\nMerci de répondre sous 3 jours dans Seller Central en indiquant le suivi du colis.\r\n\r\nCordialement,\r\nService client Amazon",
        ),
        "es" => (
            "Reclamación de la Garantía de la A a la Z para el pedido {order}",
            "Estimado vendedor:\r\n\r\nEl comprador ha presentado una reclamación de la Garantía de la A a la Z para el pedido {order}.\r\n\r\nMotivo de la reclamación: artículo no recibido\r\nImporte: {amount}\r\n\r\nResponde en un plazo de 3 días a través de Seller Central con los datos de seguimiento del envío.\r\n\r\nAtentamente,\r\nAtención al cliente de Amazon",
        ),
        _ => (
            "A-to-z Guarantee claim for order {order}",
            "Dear seller,\r\n\r\nThe buyer has filed an A-to-z Guarantee claim for order {order}.\r\n\r\nReason for claim: item not received\r\nClaim amount: {amount}\r\n\r\nPlease respond within 3 days through Seller Central with the tracking details of the shipment.\r\n\r\nSincerely,\r\nAmazon Customer Service",
        ),
    }
}

/// A negative feedback notice: subject and body (`{order}`, `{stars}`).
pub(super) fn feedback(language: &str) -> (&'static str, &'static str) {
    match language {
        "it" => (
            "Hai ricevuto una nuova valutazione per l'ordine {order}",
            "Gentile venditore,\r\n\r\nun acquirente ha lasciato una valutazione per l'ordine {order}.\r\n\r\nValutazione: {stars}\r\nCommento: Pacco arrivato in ritardo e rovinato, nessuna risposta dal venditore.\r\n\r\nPuoi rispondere pubblicamente alla valutazione dalla pagina Gestisci feedback in Seller Central.\r\n\r\nCordiali saluti,\r\nAmazon",
        ),
        "de" => (
            "Neue Bewertung für Bestellung {order} erhalten",
            "Sehr geehrter Verkäufer,\r\n\r\nein Käufer hat eine Bewertung für die Bestellung {order} abgegeben.\r\n\r\nBewertung: {stars}\r\nKommentar: Paket kam viel zu spät und beschädigt an, keine Antwort vom Verkäufer.\r\n\r\nSie können auf der Seite Feedback verwalten in Seller Central öffentlich antworten.\r\n\r\nMit freundlichen Grüßen\r\nAmazon",
        ),
        "fr" => (
            "Nouvelle évaluation reçue pour la commande {order}",
            "Cher vendeur,\r\n\r\nun acheteur a laissé une évaluation pour la commande {order}.\r\n\r\nNote : {stars}\r\nCommentaire : Colis arrivé en retard et abîmé, aucune réponse du vendeur.\r\n\r\nVous pouvez répondre publiquement depuis la page Gérer les commentaires de Seller Central.\r\n\r\nCordialement,\r\nAmazon",
        ),
        "es" => (
            "Nueva valoración recibida para el pedido {order}",
            "Estimado vendedor:\r\n\r\nun comprador ha dejado una valoración para el pedido {order}.\r\n\r\nPuntuación: {stars}\r\nComentario: El paquete llegó tarde y dañado, el vendedor no contestó a mis mensajes.\r\n\r\nPuedes responder públicamente desde la página Gestionar valoraciones de Seller Central.\r\n\r\nAtentamente,\r\nAmazon",
        ),
        _ => (
            "New feedback received for order {order}",
            "Dear seller,\r\n\r\na buyer has left feedback for order {order}.\r\n\r\nRating: {stars}\r\nComment: Item arrived late and damaged, the seller did not answer my messages.\r\n\r\nYou can respond publicly from the Manage Feedback page in Seller Central.\r\n\r\nSincerely,\r\nAmazon",
        ),
    }
}

/// Buyer names per language (first name and initial, as Amazon shows them).
pub(super) fn buyer_names(language: &str) -> &'static [&'static str] {
    match language {
        "it" => &[
            "Giulia R.",
            "Marco B.",
            "Francesca C.",
            "Niccolò F.",
            "Sara M.",
        ],
        "de" => &["Jürgen K.", "Lena S.", "Maximilian W.", "Anja H."],
        "fr" => &["Amélie D.", "Thomas L.", "Chloé P.", "Julien R."],
        "es" => &["Lucía G.", "Javier F.", "Carmen L.", "Álvaro M."],
        _ => &["Emily J.", "Michael B.", "Sarah M.", "Oliver T."],
    }
}
