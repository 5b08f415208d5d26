# Die Logistik-Seiten: die der Crew (/crew) und die der Disposition (/dispatch). Deutsch.
# Anrede durchgehend „du“ (unter Fahrern und in der Disposition üblich).
# Mit en.ftl im Gleichschritt halten: dieselben Schlüssel in beiden Dateien (die Tests prüfen es).

## Gemeinsam
app-name = Kümmerer
sign-out = Abmelden
sign-in = Anmelden
sign-in-email = E-Mail
sign-in-password = Passwort
language = Sprache
language-save = Wechseln
not-found = Nicht gefunden
form-expired = Formular abgelaufen
form-expired-text = Dieses Formular kam nicht von deiner offenen Seite (oder deine Sitzung hat gewechselt). Geh zurück, lade die Seite neu und schick es noch einmal.
form-correct-fields = Bitte korrigiere die markierten Felder.
text-nul = Der Text darf keine NUL-Zeichen enthalten.
overdue = überfällig
serial = Seriennummer

## Codes
job-status-scheduled = offen
job-status-completed = erledigt
job-status-failed = nicht angetroffen
job-status-cancelled = vom Händler storniert
failure-reason-not-home = Niemand zu Hause
failure-reason-wrong-address = Falsche Adresse
failure-reason-refused = Annahme verweigert
failure-reason-unit-not-ready = Gerät nicht bereit
step-on-the-way = Unterwegs
step-delivered = Geliefert
step-collected = Abgeholt
photo-kind-delivered = Geliefertes Ersatzgerät
photo-kind-collected = Abgeholtes Gerät
holder-dispatcher = Disposition
holder-operator = Betreiber
holder-crew = Crew
holder-retailer = Händler
overdue-unassigned = nicht rechtzeitig zugeteilt
overdue-window-passed = Zeitfenster verstrichen
overdue-not-rescheduled = nicht neu geplant
event-scheduled = Geplant
event-completed = Erledigt
event-failed = Fehlversuch
event-assigned = Zugeteilt
event-reassigned = Umgeteilt
event-rescheduled = Neu geplant
event-on-the-way = Unterwegs
event-delivered = Geliefert
event-collected = Abgeholt
event-cancelled = Storniert
event-cancel-refused = Stornierung abgelehnt
event-corrected = Adresse oder Zeitfenster korrigiert
event-correction-refused = Korrektur abgelehnt
event-escalated = Überfällig: eskaliert
shipment-status-open = offen
shipment-status-dispatched = unterwegs
shipment-status-arrived = angekommen
item-state-awaiting-carrier = wartet auf einen Spediteur
item-state-awaiting-collection = wartet auf Abholung
item-state-ready = bereit
item-state-travelling = unterwegs
item-state-arrived = angekommen
item-state-withdrawn = zurückgezogen

## Feldfehler auf den Seiten (je Feld)
invalid-delivered-serial = Gib die Seriennummer des Ersatzgeräts ein (höchstens 100 Zeichen).
invalid-collected-serial = Gib die Seriennummer des defekten Geräts ein (höchstens 100 Zeichen).
invalid-recipient-name = Gib ein, wer das Ersatzgerät angenommen hat (höchstens 100 Zeichen).
invalid-reason = Wähle einen Grund.
invalid-note = Die Notiz ist zu lang (höchstens 500 Zeichen).
invalid-eta = Wähle eine der Schätzungen.
invalid-eta-minutes = Wähle eine der Schätzungen.
invalid-delivered-photo = Wähle ein JPEG-, PNG- oder WebP-Foto mit höchstens 5 MiB.
invalid-collected-photo = Wähle ein JPEG-, PNG- oder WebP-Foto mit höchstens 5 MiB.
invalid-crew-id = Wähle eine Crew.
invalid-date = Gib einen Tag ein.
invalid-window-start = Gib eine Uhrzeit ein (HH:MM).
invalid-window-end = Gib eine Uhrzeit nach dem Beginn ein (HH:MM).
invalid-window = Das Zeitfenster muss nach seinem Beginn enden und darf nicht in der Vergangenheit liegen.

## Crew: Rahmen, Anmeldung, Meldungen
crew-brand = Kümmerer · Crew
crew-title = Crew
crew-sign-in-title = Anmelden
crew-back-today = Zurück zu den heutigen Besuchen
crew-not-found-text = Diesen Besuch gibt es für deine Crew nicht.
crew-no-such-day = Diesen Tag gibt es nicht
crew-no-such-day-text = Wähle einen Tag von heute bis { $days } Tage im Voraus.
crew-form-unreadable = Formular nicht lesbar
crew-form-unreadable-text = Das Formular ließ sich nicht lesen. Geh zurück, lade die Seite neu und schick es noch einmal.
crew-photo-too-large = Foto zu groß
crew-photo-too-large-text = Ein Foto darf höchstens 5 MiB groß sein. Geh zurück und wähle ein kleineres Foto (oder nimm es mit geringerer Auflösung auf).

## Crew: der Tag
crew-today = Heute
crew-tomorrow = Morgen
crew-no-visits-today = Heute keine Besuche.
crew-no-visits-day = An diesem Tag keine Besuche.
crew-pick-up = Abholen
crew-deliver = Liefern
crew-collect = Mitnehmen
crew-pickup-store = im Geschäft des Händlers: { $store }
crew-pickup-unknown = frag deine Disposition, wo du das Ersatzgerät abholst
crew-open-visit = Besuch { $n } öffnen
crew-revisit-moved = Gespeichert: Fehlversuch. Der Besuch ist auf eine andere Crew mit freiem Platz neu geplant.
crew-trips-title = Rückfahrten: zum Lager des Herstellers
crew-trip-to-depot = Zum Lager des Herstellers
crew-trip-arrived = angekommen
crew-trip-to-take = mitzunehmen
crew-trip-take = Mitnehmen
crew-trip-units = { $count ->
    [one] ein Gerät aus dem Lager:
   *[other] { $count } Geräte aus dem Lager:
}
crew-trip-signed-by = Quittiert von { $name }.

## Crew: der Besuch
crew-visit-title = Besuch { $n }
crew-failed-attempts = Bisherige Fehlversuche: { $count }
crew-failed-last = zuletzt: { $reason }
crew-on-the-way-since = seit { $at }
crew-arriving-about = Ankunft etwa { $at }
crew-delivered-to = { $serial } an { $name }
crew-step-of = Schritt { $n } von { $total }
crew-serial-flag = ⚠ Markiert: Die abgeholte Seriennummer { $collected } ist nicht die des Falls ({ $expected }). Der Händler prüft das.
crew-serial-ok = Die abgeholte Seriennummer passt zum Fall.
crew-photos = Fotos
crew-completed = Erledigt
crew-delivered-serial = Gelieferte Seriennummer
crew-collected-serial = Abgeholte Seriennummer
crew-received-by = Angenommen von
crew-arriving-in = Ankunft in
crew-eta-none = Keine Schätzung
crew-eta-minutes = etwa { $minutes } Minuten
crew-eta-hour = etwa 1 Stunde
crew-eta-hour-half = etwa 1½ Stunden
crew-eta-hours = etwa { $hours } Stunden
crew-on-the-way-hint = Der Kunde sieht auf seiner Statusseite, dass du unterwegs bist.
crew-replacement-serial = Seriennummer des Ersatzgeräts
crew-recipient-name = Name der Person, die annimmt
crew-delivered-photo = Foto des gelieferten Ersatzgeräts (freiwillig)
crew-collected-photo = Foto des abgeholten Geräts (freiwillig)
crew-defective-serial = Seriennummer des defekten Geräts (laut Fall { $serial })
crew-scan = Barcode scannen
crew-scan-stop = Scannen beenden
crew-scan-hint = Halte die Kamera auf den Barcode oder tippe die Seriennummer ein.
crew-confirm-mismatch = Ich habe das Gerät geprüft: Seine Seriennummer ist wirklich { $serial }. Markiert speichern.
crew-photo-hint = JPEG, PNG oder WebP, höchstens 5 MiB. Nach einem Fehler musst du das Foto neu wählen.
crew-take-photo = Foto aufnehmen
crew-failed-attempt = Fehlversuch
crew-failed-summary = Besuch klappt nicht? Fehlversuch erfassen
crew-reason = Grund
crew-choose = Bitte wählen…
crew-note = Notiz (freiwillig)
crew-record-failed = Fehlversuch speichern
crew-saved-both = Gespeichert: geliefert und abgeholt.
crew-saved-failed-revisit = Gespeichert: Fehlversuch. Der Besuch ist neu geplant für { $window }.
crew-saved-failed-dispatcher = Gespeichert: Fehlversuch. Die Disposition plant neu.
crew-already-completed = Dieser Besuch ist schon erledigt: Nichts wurde geändert.
crew-saved-on-the-way = Gespeichert: unterwegs. Der Kunde sieht es.
crew-again-on-the-way = Schon unterwegs: Nichts wurde geändert.
crew-again-on-the-way-at = Schon unterwegs seit { $at }: Nichts wurde geändert.
crew-again-delivered = Die Lieferung war schon gespeichert: Nichts wurde geändert.
crew-again-delivered-at = Die Lieferung war schon um { $at } gespeichert: Nichts wurde geändert.
crew-again-collected = Die Abholung war schon gespeichert: Nichts wurde geändert.
crew-again-collected-at = Die Abholung war schon um { $at } gespeichert: Nichts wurde geändert.
crew-saved-delivered-done = Gespeichert: geliefert. Beide Schritte sind erledigt: Der Besuch ist abgeschlossen.
crew-saved-collected-done = Gespeichert: abgeholt. Beide Schritte sind erledigt: Der Besuch ist abgeschlossen.
crew-saved-delivered = Gespeichert: geliefert. Jetzt das defekte Gerät mitnehmen.
crew-saved-collected = Gespeichert: abgeholt. Jetzt das Ersatzgerät liefern.
crew-mismatch = Die eingegebene Seriennummer ist nicht die des Falls. Prüf das Gerät noch einmal; wenn es wirklich diese Nummer ist, setz den Haken, um sie zu speichern (sie wird markiert).
crew-mismatch-field = { $collected } ist nicht die Seriennummer des Falls ({ $expected }): Prüf das Gerät noch einmal; um sie trotzdem zu speichern (markiert), bestätige die Abweichung.
crew-refused-partly = Ein Teil des Besuchs ist schon in Schritten gespeichert: Speichere stattdessen den fehlenden Schritt.
crew-refused-cancelled = Der Händler hat diesen Besuch storniert: Bitte nicht hinfahren.
crew-refused-busy = Der Besuch hat sich beim Senden geändert: Lade neu und versuch es noch einmal.
crew-state-delivered-to-collect = geliefert · noch abholen
crew-state-collected-to-deliver = abgeholt · noch liefern
crew-state-on-the-way = unterwegs

## Disposition
dispatch-brand = Kümmerer · Disposition
dispatch-title = Disposition
dispatch-sign-in-title = Anmeldung Disposition
dispatch-back-board = Zurück zur Tagesübersicht
dispatch-not-found-job = Diesen Auftrag gibt es bei deinem Spediteur nicht.
dispatch-not-found-crew = Diese Crew gibt es bei deinem Spediteur nicht.
dispatch-not-found-item = Dieses Rückgabegerät gibt es in deinem Pool nicht.
dispatch-board = Tagesübersicht, { $date }
dispatch-board-short = Übersicht { $date }
dispatch-day = Tag
dispatch-show = Anzeigen
dispatch-returns = Rückgaben
dispatch-overdue = Überfällig · { $count }
dispatch-overdue-hint = Einen Tag vor dem Zeitfenster nicht zugeteilt, ein Zeitfenster ohne erledigten Besuch verstrichen oder ein Fehlversuch, den niemand neu geplant hat: Kümmere dich zuerst darum.
dispatch-visits-load = { $count } / { $capacity } Besuche
dispatch-inactive = inaktiv
dispatch-no-visits-day = An diesem Tag keine Besuche.
dispatch-no-crews = Dein Spediteur hat noch keine Crews.
dispatch-unassigned = Nicht zugeteilt in deinen Regionen
dispatch-none-day = An diesem Tag keine.
dispatch-crew-hint = { $count } / { $capacity } Besuche · Regionen { $regions }
dispatch-col-window = Zeitfenster
dispatch-col-customer = Kunde
dispatch-col-place = Ort
dispatch-col-deliver = Liefern
dispatch-col-status = Status
dispatch-col-due = Am Zug · fällig
dispatch-open = Öffnen
dispatch-job-title = Auftrag { $customer }
dispatch-status = Status
dispatch-failed-attempts = { $count ->
    [one] ein Fehlversuch
   *[other] { $count } Fehlversuche
}
dispatch-window = Zeitfenster
dispatch-crew = Crew
dispatch-unassigned-crew = nicht zugeteilt
dispatch-visit-n = Besuch { $n }
dispatch-address = Adresse
dispatch-phone = Telefon
dispatch-deliver = Liefern
dispatch-collect = Mitnehmen
dispatch-collect-serial = { $sku }, Seriennummer { $serial }
dispatch-history = Verlauf
dispatch-reassign = Umteilen
dispatch-to-crew = An Crew
dispatch-reason = Grund
dispatch-reschedule = Neu planen
dispatch-from = Von
dispatch-to = Bis
dispatch-times-in = Zeiten in { $tz }
dispatch-reassigned = Umgeteilt.
dispatch-rescheduled = Neu geplant: Der Händler erfährt das neue Zeitfenster.
dispatch-refused-completed = Der Besuch ist erledigt und bleibt auf dem Tag seiner Crew.
dispatch-refused-inactive = Diese Crew ist nicht aktiv.
dispatch-refused-full = Die Crew hat am { $date } schon ihre { $count } Besuche.
dispatch-refused-busy = Der Auftrag hat sich beim Senden bewegt: Lade neu und versuch es noch einmal.
dispatch-refused-cancelled = Der Händler hat diesen Besuch storniert.
dispatch-refused-outside = Außerhalb der Regionen deines Spediteurs: { $prefixes }.
dispatch-refused-name-taken = Dein Spediteur hat schon eine Crew mit diesem Namen.
dispatch-returns-waiting = Warten auf einen Spediteur in deinen Regionen
dispatch-none = Keine.
dispatch-col-serial = Seriennummer
dispatch-col-product = Produkt
dispatch-col-depot = Lager
dispatch-col-return-by = Zurück bis
dispatch-col-state = Stand
dispatch-take = Übernehmen
dispatch-shipment-to = Nach { $depot }
dispatch-withdrawn-travelling = vom Hersteller zurückgezogen, als es schon unterwegs war: Es kommt trotzdem an
dispatch-no-shipments = Keine Rücksendungen.
dispatch-shipment-open-ready = Kann jetzt mit den abgeholten Geräten losfahren; die anderen folgen mit der nächsten Sendung.
dispatch-shipment-open = Fährt los, sobald ein Gerät abgeholt ist.
dispatch-shipment-dispatched = Unterwegs zum Lager.
dispatch-shipment-arrived = Im Lager quittiert.
dispatch-taken = Übernommen: Das Gerät ist in deiner offenen Sendung zu seinem Lager.

## Hinweise bei der Anmeldung
sign-in-no-email = Gib die E-Mail-Adresse deines Kontos ein.
sign-in-throttled = Zu viele fehlgeschlagene Anmeldungen aus deinem Netz. Warte ein paar Minuten und versuch es dann noch einmal.
crew-sign-in-wrong = E-Mail oder Passwort ist falsch. Nach mehreren Fehlversuchen pausiert die Anmeldung eine Weile: Wenn du dir beim Passwort sicher bist, versuch es in { $minutes } Minuten noch einmal oder ruf deine Disposition an.
dispatch-sign-in-wrong = E-Mail oder Passwort ist falsch. Nach mehreren Fehlversuchen pausiert die Anmeldung eine Weile: Wenn du dir beim Passwort sicher bist, versuch es in { $minutes } Minuten noch einmal oder frag die Verwaltung deines Spediteurs.

## Fotofehler (jeweils mit dem, was zu tun ist)
photo-error-empty = Das Foto ist leer
photo-error-too-large = Das Foto ist größer als 5 MiB
photo-error-declared-type = Der angegebene Typ ist nicht image/jpeg, image/png oder image/webp
photo-error-not-an-image = Die Datei ist kein JPEG-, PNG- oder WebP-Bild
photo-error-what-to-do = { $reason }: Wähle ein JPEG-, PNG- oder WebP-Foto mit höchstens 5 MiB.
crew-both-at-once = Geliefert und abgeholt auf einmal
crew-replacement-serial-delivered = Seriennummer des Ersatzgeräts (geliefert)
crew-defective-serial-collected = Seriennummer des defekten Geräts (abgeholt)
crew-delivered-and-collected = Geliefert und abgeholt
