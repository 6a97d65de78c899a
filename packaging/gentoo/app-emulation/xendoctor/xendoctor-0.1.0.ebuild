# Copyright 2026 The xendoctor authors
# Distributed under the terms of the MIT License
# shellcheck shell=bash disable=SC2034,SC2154
# (SC2034: portage reads the variables; SC2154: portage sets PN, P, S, WORKDIR, ED.)

EAPI=8

inherit systemd

DESCRIPTION="Health and diagnostics agent for Xen dom0 hosts: report, Prometheus exporter, remedies"
HOMEPAGE="https://www.npmjs.com/package/xendoctor"
# The npm tarball: the built, self-contained bundle (dist/) and the service files; nothing to compile.
SRC_URI="https://registry.npmjs.org/${PN}/-/${P}.tgz"
S="${WORKDIR}/package"

# xendoctor is MIT; the bundle holds bcryptjs (BSD) and yaml (ISC): dist/THIRD-PARTY-LICENSES.txt.
LICENSE="MIT BSD ISC"
SLOT="0"
KEYWORDS="~amd64"
# Tests run in the project's CI on the sources; the tarball holds only what ships.
RESTRICT="test"

RDEPEND=">=net-libs/nodejs-20"

src_install() {
	# npm's own layout (package.json says "type": "module"), the launcher a link as npm install -g makes.
	insinto "/usr/lib/${PN}"
	doins package.json
	insinto "/usr/lib/${PN}/dist"
	doins dist/*
	fperms 0755 "/usr/lib/${PN}/dist/cli.js"
	dosym -r "/usr/lib/${PN}/dist/cli.js" "/usr/bin/${PN}"

	newinitd "${FILESDIR}/${PN}.initd" "${PN}"
	newconfd "${FILESDIR}/${PN}.confd" "${PN}"
	systemd_dounit systemd/xendoctor.service

	insinto "/usr/share/${PN}/prometheus"
	doins prometheus/*.yml
	keepdir /etc/xendoctor
	dodoc README.md
}

pkg_postinst() {
	elog "Start the exporter at boot: rc-update add ${PN} default (settings: /etc/conf.d/${PN})"
	elog "or, under systemd: systemctl enable --now ${PN}"
}
