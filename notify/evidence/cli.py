"""``notify tsa …`` and ``notify evidence …``: the timestamping device and the proofs."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from notify.bootstrap import services

RETRY_SECONDS = 10
"""Between two attempts of an export waiting for the TSA (``--attendre``)."""


@click.group()
def tsa() -> None:
    """Autorité d'horodatage embarquée (RFC 3161)."""


@tsa.command("init")
@click.option("--algorithm", type=click.Choice(["ec", "rsa"]), default="ec", show_default=True,
              help="ECDSA P-256 ou RSA-3072.")
@click.option("--if-missing", is_flag=True, help="Ne fait rien si l'autorité existe déjà.")
@with_appcontext
def tsa_init(algorithm: str, if_missing: bool) -> None:
    """Crée l'AC racine locale et le certificat de l'autorité d'horodatage."""
    from timestamp.pki import init_authority

    svc = services()
    path = svc.settings.tsa_path
    if (path / "tsa.key").exists():
        if if_missing:
            click.echo(f"Autorité d'horodatage déjà présente dans {path}.")
            return
        raise click.ClickException(f"Une autorité existe déjà dans {path} : ses jetons "
                                   "dépendent d'elle, elle n'est pas remplacée.")
    passphrase = svc.settings.tsa_key_passphrase
    files = init_authority(path, now=svc.clock.now(), algorithm=algorithm,
                           passphrase=passphrase.encode() if passphrase else None)
    click.echo(f"Autorité d'horodatage créée dans {path} "
               f"(certificat valable jusqu'au {files.tsa.not_valid_after_utc:%Y-%m-%d}).")


@tsa.command("chain")
@with_appcontext
def tsa_chain() -> None:
    """Affiche la chaîne de certificats (PEM), racine en dernier."""
    from notify.evidence.tsa import EmbeddedAuthority

    client = services().timestamp_client
    if isinstance(client, EmbeddedAuthority):
        sys.stdout.write(client.chain_pem().decode())
    else:
        raise click.ClickException("Une autorité distante est configurée (NOTIFY_TSA_URL) : "
                                   "sa chaîne est dans NOTIFY_TSA_TRUST_ANCHORS.")


@click.group()
def evidence() -> None:
    """Journal des preuves : certification, export, vérification hors ligne."""


@evidence.command("status")
@with_appcontext
def evidence_status() -> None:
    """Événements en attente de certification, âge du plus ancien, dernière erreur."""
    from notify.evidence.batches import evidence_status as status

    svc = services()
    with svc.db.unit_of_work() as uow:
        st = status(uow.session)
    now = svc.clock.now()
    click.echo(f"événements non certifiés : {st.pending_events}")
    click.echo(f"lots en attente de jeton : {st.pending_batches}")
    if st.oldest_pending_at:
        click.echo(f"plus ancien en attente  : {st.oldest_pending_at.isoformat()} "
                   f"(depuis {int((now - st.oldest_pending_at).total_seconds())} s)")
    if st.last_error:
        click.echo(f"dernière erreur         : {st.last_error}")
        click.echo(f"prochain essai          : {st.next_attempt_at.isoformat()}")


@evidence.command("export")
@click.argument("subject")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--attendre", "wait", type=click.IntRange(min=0), default=0, show_default=True,
              help="Secondes pendant lesquelles réessayer si l'autorité d'horodatage ne "
                   "répond pas.")
@with_appcontext
def evidence_export(subject: str, output: Path, wait: int) -> None:
    """Exporte le paquet de preuves de SUBJECT (account:CPT-… ou decision:RÉFÉRENCE).

    Certifie d'abord ce qui attend et prend au besoin un état du journal ; le paquet
    écrit est vérifié aussitôt, et la commande échoue s'il ne tient pas.
    """
    import time

    from notify.decisions.audit import CertificationPending, export_bundle
    from notify.errors import DomainError

    deadline = time.monotonic() + wait
    while True:
        try:
            export = export_bundle(services(), subject)
            break
        except CertificationPending as exc:
            if time.monotonic() + RETRY_SECONDS > deadline:
                raise click.ClickException(exc.message) from exc
            click.echo(f"{exc.message} ; nouvel essai dans {RETRY_SECONDS} s.", err=True)
            time.sleep(RETRY_SECONDS)
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
    output.write_bytes(export.data)
    if export.preparation.certified:
        click.echo(f"{export.preparation.certified} lot(s) certifié(s) pour cet export.")
    if export.preparation.snapshot_taken:
        click.echo("État du journal pris et horodaté pour cet export.")
    if export.preparation.refused:
        click.echo(f"ANOMALIE : {export.preparation.refused}", err=True)
    click.echo(f"Paquet de preuves écrit dans {output} ({len(export.data)} octets).")
    if not export.report.ok:
        _print_checks(export.report.checks)
        raise click.ClickException("le paquet écrit ne se vérifie pas : le journal ne prouve "
                                   "plus ce qu'il a certifié (voir ci-dessus)")


def _print_checks(checks) -> None:
    for check in checks:
        mark = "OK    " if check.ok else "ÉCHEC "
        click.echo(f"{mark}{check.label}" + (f" — {check.detail}" if check.detail else ""),
                   err=not check.ok)


@evidence.command("verify")
@click.argument("bundle", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--trust", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Certificat(s) racine de confiance (PEM), obtenus par un autre canal.")
def evidence_verify(bundle: Path, trust: Path | None) -> None:
    """Vérifie un paquet hors ligne (ni base de données ni réseau)."""
    from notify.evidence.bundle import check_bundle
    from notify.evidence.tsa import load_pem_certificates

    anchors = load_pem_certificates(trust) if trust else None
    report = check_bundle(bundle.read_bytes(), anchors)
    if report.subject:
        click.echo(f"Objet : {report.subject}")
    for e in report.events:
        click.echo(f"  #{e.seq:<3} {e.tag:<22} enregistré {e.occurred_at}  "
                   f"certifié {e.certified_at.isoformat()} (lot {e.batch_seq})")
    _print_checks(report.checks)
    if not report.ok:
        failure = report.failures[0]
        click.echo(f"ÉCHEC : {failure.label} : {failure.detail}", err=True)
        sys.exit(1)
    if anchors is None:
        click.echo("Attention : sans --trust, la racine utilisée est celle du paquet "
                   "lui-même ; cela prouve la cohérence, pas l'origine.")
    click.echo(f"OK : {len(report.events)} événement(s) vérifié(s).")


@evidence.command("check")
@with_appcontext
def evidence_check() -> None:
    """Compare la table des décisions au journal et vérifie le journal lui-même."""
    from notify.decisions.audit import run_checks

    with services().db.unit_of_work() as uow:
        checks = run_checks(uow.session)
    _print_checks(checks)
    if not all(c.ok for c in checks):
        sys.exit(1)
